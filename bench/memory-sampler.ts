/**
 * Resident memory of named processes, from /proc/<pid>/status: VmRSS sampled periodically (what
 * the process holds now) and VmHWM (the kernel's own peak RSS since the process started, so a
 * spike between two samples is not missed).
 */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rssKb: number;
  hwmKb: number;
}

/** The two lines we need out of a /proc/<pid>/status text; null when either is missing. */
export function parseProcStatus(status: string): ProcMemory | null {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return rss && hwm ? { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) } : null;
}

export function readProcMemory(pid: number): ProcMemory | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

export interface MemoryReport {
  /** VmHWM at the last sample: the peak resident set since the process started. */
  peakMb: number;
  /** The largest VmRSS seen by the periodic samples. */
  maxSampledRssMb: number;
  /** VmRSS at the last sample. */
  lastRssMb: number;
  samples: number;
}

const mb = (kb: number) => Math.round(kb / 1024);

export class MemorySampler {
  private readonly seen = new Map<string, { pid: number; maxRss: number; hwm: number; last: number; samples: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: () => Record<string, number | undefined>) {}

  start(intervalMs = 500): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      if (!pid) continue;
      const m = readProcMemory(pid);
      if (!m) continue;
      const s = this.seen.get(name) ?? { pid, maxRss: 0, hwm: 0, last: 0, samples: 0 };
      s.maxRss = Math.max(s.maxRss, m.rssKb);
      s.hwm = Math.max(s.hwm, m.hwmKb);
      s.last = m.rssKb;
      s.samples++;
      this.seen.set(name, s);
    }
  }

  /** Takes a last sample (call before the processes stop: /proc forgets them). */
  stop(): Record<string, MemoryReport> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const out: Record<string, MemoryReport> = {};
    for (const [name, s] of this.seen) out[name] = { peakMb: mb(s.hwm), maxSampledRssMb: mb(s.maxRss), lastRssMb: mb(s.last), samples: s.samples };
    return out;
  }
}
