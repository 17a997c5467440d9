import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Firehose } from '@atproto/sync';
import { skipUnwatchedValidation } from './firehose-prefilter.js';

const COMMIT = 'com.atproto.sync.subscribeRepos#commit';

function fakeFirehose() {
  const validated: unknown[] = [];
  const sub = { opts: { validate: (v: unknown) => (validated.push(v), { validated: v }) } };
  return { firehose: { sub } as unknown as Firehose, sub, validated };
}

describe('firehose pre-filter', () => {
  it('an unwatched repo’s commit is passed over with only repo and seq; everything else is validated as before', () => {
    const { firehose, sub, validated } = fakeFirehose();
    skipUnwatchedValidation(firehose, (did) => did === 'did:plc:watched');
    const blocks = new Uint8Array(10_000);
    assert.deepEqual(sub.opts.validate({ $type: COMMIT, repo: 'did:plc:other', seq: 7, blocks, ops: [] }), { $type: COMMIT, repo: 'did:plc:other', seq: 7 });
    assert.equal(validated.length, 0, 'the unwatched commit was not validated');
    const watched = { $type: COMMIT, repo: 'did:plc:watched', seq: 8, blocks, ops: [] };
    assert.deepEqual(sub.opts.validate(watched), { validated: watched });
    const identity = { $type: 'com.atproto.sync.subscribeRepos#identity', did: 'did:plc:other', seq: 9 };
    assert.deepEqual(sub.opts.validate(identity), { validated: identity });
    // Malformed: no usable seq, so it must meet the validator (and be refused there).
    const broken = { $type: COMMIT, repo: 'did:plc:other', seq: '10' };
    assert.deepEqual(sub.opts.validate(broken), { validated: broken });
    assert.equal(validated.length, 3);
  });

  it('an unwatched commit the extra rule asks for is validated in full', () => {
    const { firehose, sub, validated } = fakeFirehose();
    skipUnwatchedValidation(firehose, () => false, (c) => c.seq === 11);
    const wanted = { $type: COMMIT, repo: 'did:plc:other', seq: 11, blocks: new Uint8Array(1), ops: [] };
    assert.deepEqual(sub.opts.validate(wanted), { validated: wanted });
    assert.deepEqual(sub.opts.validate({ ...wanted, seq: 12 }), { $type: COMMIT, repo: 'did:plc:other', seq: 12 });
    assert.equal(validated.length, 1);
  });

  it('throws at start when the Firehose no longer has the subscription it reaches into', () => {
    assert.throws(() => skipUnwatchedValidation({} as Firehose, () => false), /pre-filter needs updating/);
  });
});
