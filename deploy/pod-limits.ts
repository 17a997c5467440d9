/**
 * The memory limit each service's pod has (k8s/base/<service>.yaml, `resources.limits.memory`):
 * compose gives its containers the same (compose.test.ts), and the bench runs each service under
 * it (bench/memory-cgroup.ts), as deployed. It matters beyond a cap:
 * Node sizes V8's heap from the cgroup limit it starts in (half of it for the old generation, at
 * least 256 MB), and V8 lets a heap grow up to 4x its live size between full collections only
 * when that old generation is 2 GB or more. On this 24 GiB machine an unconstrained process gets
 * 4 GB: a heap policy no pod of ours runs with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployedService } from './topology.js';

/** The repository root: this file is dist/deploy/pod-limits.js once compiled. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A Kubernetes memory quantity in bytes (`768Mi`, `1Gi`, `512M`, `1073741824`); undefined when it is not one. */
export function memoryQuantityBytes(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(q.trim().replace(/^["']|["']$/g, ''));
  return m ? Math.round(Number(m[1]) * UNITS[m[2] ?? '']!) : undefined;
}

/** The `limits:` memory of the (single) container of a Deployment manifest; undefined when none is set. */
export function limitMemoryOf(manifest: string): number | undefined {
  const lines = manifest.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)limits:\s*$/.exec(lines[i]!);
    if (!head) continue;
    for (let j = i + 1; j < lines.length; j++) {
      const indent = /^(\s*)/.exec(lines[j]!)![1]!.length;
      if (lines[j]!.trim() && indent <= head[1]!.length) break;
      const mem = /^\s*memory:\s*(\S+)\s*$/.exec(lines[j]!);
      if (mem) return memoryQuantityBytes(mem[1]!);
    }
  }
  return undefined;
}

/** Each service's pod memory limit in bytes, read from k8s/base; a service whose manifest sets none is left out. */
export function podMemoryLimits(services: readonly DeployedService[], dir = join(REPO_ROOT, 'k8s', 'base')): Partial<Record<DeployedService, number>> {
  const out: Partial<Record<DeployedService, number>> = {};
  for (const s of services) {
    const bytes = limitMemoryOf(readFileSync(join(dir, `${s}.yaml`), 'utf8'));
    if (bytes) out[s] = bytes;
  }
  return out;
}
