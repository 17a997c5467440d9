import type { StartupObserver, WaitReport } from '../bus/index.js';
import type { HealthCheckResult } from './health-registry.js';
import { createLogger } from '../observability/index.js';

const log = createLogger('startup');

/**
 * What a starting process waits for (the broker, the database, a topic), for its log and for the
 * /health answer it gives before the services run (startup-health-server.ts).
 */
export class StartupStatus implements StartupObserver {
  private readonly waits = new Map<string, WaitReport>();
  private phase = 'starting';

  waiting(report: WaitReport): void {
    this.waits.set(report.what, report);
    log.warn('waiting', { for: report.what, attempt: report.attempt, retryInMs: report.retryInMs, reason: report.reason });
  }

  ready(what: string): void {
    const was = this.waits.get(what);
    this.waits.delete(what);
    log.info('ready', { for: what, after: was?.attempt });
  }

  /** The step under way, shown while nothing is being waited for. */
  step(phase: string): void {
    this.phase = phase;
  }

  /** For /health: every wait under way, each with its last error; else the step under way. */
  components(): Record<string, HealthCheckResult> {
    if (!this.waits.size) return { startup: { ok: false, detail: this.phase } };
    const out: Record<string, HealthCheckResult> = {};
    for (const w of this.waits.values()) out[w.what] = { ok: false, detail: `waiting (attempt ${w.attempt}, next in ${w.retryInMs} ms): ${w.reason}` };
    return out;
  }
}
