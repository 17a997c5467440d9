import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { build, type K8sObject } from './testing/kustomize.js';

const k8s = fileURLToPath(new URL('../../k8s/', import.meta.url));

/** kustomize as kubectl embeds it, when this machine has kubectl (not every machine of the project does). */
function kubectlKustomize(dir: string): K8sObject[] | null {
  const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  assert.equal(res.status, 0, `kubectl kustomize ${dir} failed: ${res.stderr.slice(0, 2000)}`);
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

/** Key order and object order do not matter; everything else must be equal. */
function canonical(objs: K8sObject[]): unknown[] {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v;
  return objs.map(sortKeys).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const available = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('the real kustomize agrees with the test build', () => {
  for (const dir of ['base', 'overlays/production']) {
    it(`kubectl kustomize ${dir} builds, and gives the objects the manifest tests checked`, { skip: available ? false : 'kubectl is not installed on this machine' }, () => {
      const real = kubectlKustomize(join(k8s, dir))!;
      assert.deepEqual(canonical(real), canonical(build(join(k8s, dir))));
    });
  }
});
