import { Injectable } from '@nestjs/common';

export interface HealthCheckResult {
  ok: boolean;
  detail: string;
}

/** Each running part (database, bus, every service, sandbox peers) registers a check here. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, () => Promise<HealthCheckResult>>();

  register(name: string, check: () => Promise<HealthCheckResult>): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 3_000): Promise<{ ok: boolean; components: Record<string, HealthCheckResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<HealthCheckResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
        });
        const result = await Promise.race([check().catch((err: Error) => ({ ok: false, detail: err.message })), timeout]);
        clearTimeout(timer);
        return [name, result] as const;
      }),
    );
    const components = Object.fromEntries(entries);
    return { ok: entries.every(([, r]) => r.ok), components };
  }
}
