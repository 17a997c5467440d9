/**
 * The memory limit each service's pod has (k8s/base/<service>.yaml, `resources.limits.memory`):
 * compose gives its containers the same (compose.test.ts), and the bench runs each service under
 * it (bench/memory-cgroup.ts), as deployed. It matters beyond a cap:
 * Node sizes V8's heap from the cgroup limit it starts in (half of it for the old generation, at
 * least 256 MB), and V8 lets a heap grow up to 4x its live size between full collections only
 * when that old generation is 2 GB or more. On this 24 GiB machine an unconstrained process gets
 * 4 GB: a heap policy no pod of ours runs with.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { containersOf, readYamlDocuments, type K8sObject } from '../k8s/testing/kustomize.js';
import type { DeployedService } from './topology.js';

/** The repository root: this file is dist/deploy/pod-limits.js once compiled. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const UNITS: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity as a number (`768Mi`, `1Gi`, `512M`, `250m`, `1073741824`); undefined when it is not one. */
export function k8sQuantity(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  return m ? Number(m[1]) * UNITS[m[2] ?? '']! : undefined;
}

/** The memory limit in bytes of the workload's container among these manifest documents; undefined when none is set. */
export function limitMemoryOf(docs: unknown[]): number | undefined {
  const workload = (docs as K8sObject[]).find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  const limits = workload && (containersOf(workload)[0]?.resources as { limits?: { memory?: string } } | undefined)?.limits;
  return limits?.memory ? k8sQuantity(limits.memory) : undefined;
}

/** Each service's pod memory limit in bytes, read from k8s/base; a service whose manifest sets none is left out. */
export function podMemoryLimits(services: readonly DeployedService[], dir = join(REPO_ROOT, 'k8s', 'base')): Partial<Record<DeployedService, number>> {
  const out: Partial<Record<DeployedService, number>> = {};
  for (const s of services) {
    const bytes = limitMemoryOf(readYamlDocuments(join(dir, `${s}.yaml`)));
    if (bytes) out[s] = bytes;
  }
  return out;
}
