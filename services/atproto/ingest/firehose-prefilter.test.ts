import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdResolver } from '@atproto/identity';
import { Firehose, FirehoseValidationError } from '@atproto/sync';
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

  it('validates with no stack traces captured (restored after, also when the validator throws); the real validator still refuses with its reason', () => {
    const limits: number[] = [];
    const sub = { opts: { validate: (v: unknown) => { limits.push(Error.stackTraceLimit); if (v === 'boom') throw new Error('boom'); return v; } } };
    skipUnwatchedValidation({ sub } as unknown as Firehose, () => true);
    const before = Error.stackTraceLimit;
    sub.opts.validate({ $type: COMMIT, repo: 'did:plc:w', seq: 1 });
    assert.throws(() => sub.opts.validate('boom'), /boom/);
    assert.deepEqual(limits, [0, 0]);
    assert.equal(Error.stackTraceLimit, before);
    const errors: Error[] = [];
    const real = new Firehose({ idResolver: new IdResolver(), service: 'ws://127.0.0.1:9', handleEvent: async () => undefined, onError: (e) => void errors.push(e) });
    skipUnwatchedValidation(real, () => true);
    const opts = (real as unknown as { sub: { opts: { validate: (v: unknown) => unknown } } }).sub.opts;
    assert.equal(opts.validate({ $type: COMMIT, repo: 'did:plc:w', seq: 2, rebase: false, tooBig: false, commit: 'not a cid', rev: 'x', since: null, blocks: new Uint8Array(1), ops: [], blobs: [], time: 'now' }), undefined);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof FirehoseValidationError);
    assert.match(String((errors[0].cause as Error).message), /\S/, 'the reason is kept');
  });

  it('throws at start when the Firehose no longer has the subscription it reaches into', () => {
    assert.throws(() => skipUnwatchedValidation({} as Firehose, () => false), /pre-filter needs updating/);
  });
});
