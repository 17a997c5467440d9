import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEPLOYED_SERVICES } from './topology.js';
import { parseAllDocuments } from 'yaml';
import { k8sQuantity, limitMemoryOf, podMemoryLimits } from './pod-limits.js';

describe('pod memory limits', () => {
  it('reads Kubernetes memory quantities', () => {
    assert.equal(k8sQuantity('768Mi'), 768 * 1024 ** 2);
    assert.equal(k8sQuantity('1Gi'), 1024 ** 3);
    assert.equal(k8sQuantity('512M'), 512e6);
    assert.equal(k8sQuantity('1073741824'), 1073741824);
    assert.equal(k8sQuantity('lots'), undefined);
  });

  it('takes the limit, not the request, and nothing from another block', () => {
    const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as unknown);
    const deployment = (resources: string, extra = '') =>
      `kind: Service\nspec: {memory: 8Gi}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources: ${resources}\n${extra}`;
    assert.equal(limitMemoryOf(docs(deployment('{requests: {memory: 512Mi}, limits: {cpu: "1", memory: 1Gi}}', '          startupProbe: {memory: 9Gi}'))), 1024 ** 3);
    assert.equal(limitMemoryOf(docs(deployment('{requests: {memory: 512Mi}, limits: {cpu: "1"}}', '          env: [{name: memory, value: 2Gi}]'))), undefined);
  });

  it('finds a limit for every deployed service in k8s/base', () => {
    const limits = podMemoryLimits(DEPLOYED_SERVICES);
    assert.deepEqual(Object.keys(limits).sort(), [...DEPLOYED_SERVICES].sort());
    for (const bytes of Object.values(limits)) assert.ok(bytes! >= 256 * 1024 ** 2);
  });
});
