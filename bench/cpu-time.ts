/**
 * CPU time of named processes from /proc/<pid>/stat, to say what services cost while nothing
 * happens (the latency bench's idle window).
 */
import { readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every Linux ABI we run on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU milliseconds from a /proc/<pid>/stat line; null when it cannot be read. */
export function parseProcStatCpuMs(stat: string): number | null {
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields count from the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) && rest.length > 13 ? ((utime + stime) * 1000) / TICKS_PER_SECOND : null;
}

export function readCpuMs(pid: number): number | null {
  try {
    return parseProcStatCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Percent of one core each process used over `ms` of waiting (null: a process could not be read). */
export async function cpuOver(pids: Record<string, number | undefined>, ms: number): Promise<Record<string, number | null>> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? readCpuMs(pid) : null]));
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const elapsed = Date.now() - t0;
  return Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => {
      const a = before[k];
      const b = pid ? readCpuMs(pid) : null;
      return [k, a == null || b == null ? null : Math.round((1000 * (b - a)) / elapsed) / 10];
    }),
  );
}
