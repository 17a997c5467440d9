import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEPLOYED_SERVICES } from './topology.js';
import { limitMemoryOf, memoryQuantityBytes, podMemoryLimits } from './pod-limits.js';

describe('pod memory limits', () => {
  it('reads Kubernetes memory quantities', () => {
    assert.equal(memoryQuantityBytes('768Mi'), 768 * 1024 ** 2);
    assert.equal(memoryQuantityBytes('1Gi'), 1024 ** 3);
    assert.equal(memoryQuantityBytes('"512M"'), 512e6);
    assert.equal(memoryQuantityBytes('1073741824'), 1073741824);
    assert.equal(memoryQuantityBytes('lots'), undefined);
  });

  it('takes the limit, not the request, and nothing from another block', () => {
    const manifest = ['      resources:', '        requests:', '          memory: 512Mi', '        limits:', '          cpu: "1"', '          memory: 1Gi', '      startupProbe:', '        memory: 9Gi'].join('\n');
    assert.equal(limitMemoryOf(manifest), 1024 ** 3);
    assert.equal(limitMemoryOf(['        limits:', '          cpu: "1"', '      env:', '        memory: 2Gi'].join('\n')), undefined);
  });

  it('finds a limit for every deployed service in k8s/base', () => {
    const limits = podMemoryLimits(DEPLOYED_SERVICES);
    assert.deepEqual(Object.keys(limits).sort(), [...DEPLOYED_SERVICES].sort());
    for (const bytes of Object.values(limits)) assert.ok(bytes! >= 256 * 1024 ** 2);
  });
});
