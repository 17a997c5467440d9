import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DidDocument } from '@atproto/identity';
import type { Firehose } from '@atproto/sync';
import { BoundedDidCache, forgetOnIdentity } from './did-cache.js';

const doc = (id: string) => ({ id }) as DidDocument;

describe('BoundedDidCache', () => {
  it('serves a document until it is stale, then makes the resolver fetch it; bounded; forgets on request', async () => {
    let now = 0;
    const c = new BoundedDidCache(2, 1_000, () => now);
    await c.cacheDid('did:plc:a', doc('did:plc:a'));
    assert.deepEqual(await c.checkCache('did:plc:a'), { did: 'did:plc:a', doc: doc('did:plc:a'), updatedAt: 0, stale: false, expired: false });
    now = 1_001;
    assert.equal((await c.checkCache('did:plc:a'))?.expired, true, 'stale counts as expired: fetched before use');
    await c.cacheDid('did:plc:b', doc('did:plc:b'));
    await c.cacheDid('did:plc:c', doc('did:plc:c'));
    assert.equal(c.size, 2);
    assert.equal(await c.checkCache('did:plc:a'), null, 'the least recently used went');
    c.forget('did:plc:b');
    assert.equal(await c.checkCache('did:plc:b'), null);
  });

  it('an #identity message read by the Firehose drops its DID before anything else sees it', async () => {
    const c = new BoundedDidCache();
    await c.cacheDid('did:plc:a', doc('did:plc:a'));
    await c.cacheDid('did:plc:b', doc('did:plc:b'));
    const sub = { opts: { validate: (v: unknown) => v } };
    forgetOnIdentity({ sub } as unknown as Firehose, c);
    const commit = { $type: 'com.atproto.sync.subscribeRepos#commit', repo: 'did:plc:a', seq: 1 };
    assert.equal(sub.opts.validate(commit), commit);
    assert.ok(await c.checkCache('did:plc:a'), 'a commit changes nothing');
    const identity = { $type: 'com.atproto.sync.subscribeRepos#identity', did: 'did:plc:a', seq: 2 };
    assert.equal(sub.opts.validate(identity), identity, 'still validated as before');
    assert.equal(await c.checkCache('did:plc:a'), null);
    assert.ok(await c.checkCache('did:plc:b'));
    assert.throws(() => forgetOnIdentity({} as Firehose, c), /needs updating/);
  });
});
