import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, applyStrategicMerge, type K8sObject } from './kustomize.js';

const deployment = (): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] }, { name: 'b', image: 'y' }] } } },
});

describe('the test build of kustomizations', () => {
  it('merges lists of named items by name and replaces other values', () => {
    const [d] = applyStrategicMerge([deployment()], { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'a', env: [{ name: 'B', value: '2' }] }] } } } } as K8sObject, 'p');
    const spec = d!.spec as { replicas: number; template: { spec: { containers: Array<{ name: string; image: string; env?: unknown[] }> } } };
    assert.equal(spec.replicas, 3);
    assert.equal(spec.template.spec.containers.length, 2);
    assert.equal(spec.template.spec.containers[0]!.image, 'x');
    assert.deepEqual(spec.template.spec.containers[0]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  });

  it('deletes with $patch: delete, and refuses a patch whose target is missing or of another apiVersion', () => {
    assert.deepEqual(applyStrategicMerge([deployment()], { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, $patch: 'delete' } as K8sObject, 'p'), []);
    assert.throws(() => applyStrategicMerge([deployment()], { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'other' } } as K8sObject, 'p.yaml'), /p\.yaml: patches Deployment\/other, which is not in the resources/);
    assert.throws(() => applyStrategicMerge([deployment()], { apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'd' } } as K8sObject, 'p'), /apps\/v1/);
  });

  it('applies JSON patches and refuses a path that does not resolve', () => {
    const d = deployment();
    applyJsonPatch(d, [{ op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'z' }]);
    assert.equal((d.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[1]!.image, 'z');
    assert.throws(() => applyJsonPatch(d, [{ op: 'replace', path: '/spec/template/spec/containers/5/image', value: 'z' }]), /does not resolve/);
    assert.throws(() => applyJsonPatch(d, [{ op: 'replace', path: '/spec/nope', value: 1 }]), /does not exist/);
  });
});
