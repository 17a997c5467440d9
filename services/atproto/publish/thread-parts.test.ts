import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partObjectKey } from './atproto-deliverer.js';

describe('thread part object keys', () => {
  it('are UUIDs (object_map.object_key), stable per (post, part), distinct per part', () => {
    const post = '6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab';
    const k1 = partObjectKey(post, 1);
    assert.match(k1, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(partObjectKey(post, 1), k1);
    assert.notEqual(partObjectKey(post, 2), k1);
    assert.notEqual(partObjectKey('6f1c2d3e-4a5b-4c6d-8e7f-0123456789ac', 1), k1);
  });
});
