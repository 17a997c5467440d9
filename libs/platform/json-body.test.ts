import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deeplyNestedJson } from '../testing/hostile-payloads.js';
import { jsonDepth, networkOfPath } from './json-body.js';

describe('JSON body checks', () => {
  it('counts nesting outside strings only, escapes included', () => {
    assert.equal(jsonDepth(Buffer.from('{"a":[1,{"b":[]}]}')), 4);
    assert.equal(jsonDepth(Buffer.from('{"a":"[[[[{{{{ \\" [[[["}')), 1);
    assert.equal(jsonDepth(Buffer.from('"plain"')), 0);
    assert.equal(jsonDepth(Buffer.from(deeplyNestedJson(10_000))), 10_001);
  });

  it('stops counting past the limit (a hostile body costs no more than needed)', () => {
    assert.equal(jsonDepth(Buffer.from(deeplyNestedJson(10_000)), 64), 65);
  });

  it('names the network of an entry point for the metric label', () => {
    assert.equal(networkOfPath('/ap/users/x/inbox'), 'activitypub');
    assert.equal(networkOfPath('/api/v1/solid/webhook/1'), 'solid');
    assert.equal(networkOfPath('/api/v1/nostr/link'), 'nostr');
    assert.equal(networkOfPath('/api/v1/status'), 'api');
  });
});
