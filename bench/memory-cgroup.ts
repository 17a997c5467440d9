/**
 * A memory cgroup per service, so a bench process starts as it would in its pod: limited, and
 * with Node sizing its heap from that limit (pod-limits.ts). cgroup v2 (`memory.max`) or v1
 * (`memory.limit_in_bytes`); needs root. Where neither can be written the bench runs the services
 * unconstrained and says why in its output.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** Write a pid here before the process starts Node (children inherit it). */
  procsFile: string;
  remove(): void;
}

export type CgroupHost = { ok: true; create(name: string, limitBytes: number): MemoryCgroup } | { ok: false; reason: string };

/** The memory controller this machine lets us write, under `root` (default /sys/fs/cgroup). */
export function memoryCgroupHost(root = '/sys/fs/cgroup'): CgroupHost {
  const v2 = existsSync(join(root, 'cgroup.controllers')) && readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory');
  const base = v2 ? root : join(root, 'memory');
  const limitFile = v2 ? 'memory.max' : 'memory.limit_in_bytes';
  if (!v2 && !existsSync(join(base, 'memory.limit_in_bytes'))) return { ok: false, reason: `no memory cgroup controller under ${root}` };
  const create = (name: string, limitBytes: number): MemoryCgroup => {
    const dir = join(base, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, limitFile), String(limitBytes));
    return {
      procsFile: join(dir, 'cgroup.procs'),
      remove: () => {
        try {
          rmdirSync(dir); // only once its processes are gone; a leftover empty group is harmless
        } catch {
          /* still busy or already gone */
        }
      },
    };
  };
  try {
    create(`pontis-probe-${process.pid}`, 1024 ** 3).remove();
    return { ok: true, create };
  } catch (err) {
    return { ok: false, reason: `cannot create a memory cgroup under ${base}: ${(err as Error).message}` };
  }
}

/** `command args` wrapped so the process joins `procsFile`'s cgroup before it execs (same pid). */
export function inCgroup(procsFile: string, command: string, args: string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procsFile, command, ...args]];
}
