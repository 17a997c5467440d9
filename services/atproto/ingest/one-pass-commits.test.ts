import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secp256k1Keypair } from '@atproto/crypto';
import type { IdResolver } from '@atproto/identity';
import { cidForLex } from '@atproto/lex-cbor';
import { BlockMap, blocksToCarFile, MemoryBlockstore, Repo, WriteOpAction } from '@atproto/repo';
import { Firehose, FirehoseParseError, type Event } from '@atproto/sync';
import { verifyCommitsInOnePass } from './one-pass-commits.js';
import { didDocument } from './testing.js';

const DID = 'did:plc:onepasstest00000000000';
const POST = 'app.bsky.feed.post';

/** A real one-op commit frame, signed by `signer`. */
async function commitFrame(signer: Secp256k1Keypair) {
  const repo = await Repo.create(new MemoryBlockstore(), DID, signer, []);
  const record = { $type: POST, text: 'hello', createdAt: '2026-01-01T00:00:00.000Z' };
  const commit = await repo.formatCommit([{ action: WriteOpAction.Create, collection: POST, rkey: '3kaaaaaaaaaa2', record }], signer);
  const blocks = new BlockMap();
  blocks.addMap(commit.newBlocks);
  blocks.addMap(commit.relevantBlocks);
  return {
    $type: 'com.atproto.sync.subscribeRepos#commit',
    repo: DID,
    seq: 1,
    time: '2026-01-01T00:00:00.000Z',
    rev: commit.rev,
    commit: commit.cid,
    blocks: await blocksToCarFile(commit.cid, blocks),
    ops: [{ action: 'create', path: `${POST}/3kaaaaaaaaaa2`, cid: await cidForLex(record) }],
  };
}

function setUp(keys: string[]) {
  const asked: boolean[] = [];
  const errors: Error[] = [];
  // The DID's key as the directory answers it: the first answer (cached), then a fresh one.
  const idResolver = { did: { ensureResolve: async (did: string, fresh?: boolean) => (asked.push(!!fresh), didDocument(did, keys[Math.min(asked.length - 1, keys.length - 1)]!)) } } as unknown as IdResolver;
  // Never started: no socket is opened; parseEvt is called directly.
  const firehose = new Firehose({ service: 'ws://127.0.0.1:9', idResolver, handleEvent: async () => {}, onError: (err) => errors.push(err), filterCollections: [POST] });
  verifyCommitsInOnePass(firehose, { idResolver, collections: [POST], onError: (err) => errors.push(err) });
  const parse = (evt: unknown) => (firehose as unknown as { parseEvt(evt: unknown): Promise<Event[]> }).parseEvt(evt);
  return { parse, asked, errors };
}

describe('verifyCommitsInOnePass (the Firehose wiring)', () => {
  it('a commit signed by the current key: its op with the record, the cached key used once', async () => {
    const key = await Secp256k1Keypair.create();
    const { parse, asked, errors } = setUp([key.did()]);
    const events = await parse(await commitFrame(key));
    assert.deepEqual(errors, []);
    assert.equal(events.length, 1);
    const [e] = events as (Event & { event: 'create'; record: { text: string } })[];
    assert.equal(e!.event, 'create');
    assert.equal(e!.did, DID);
    assert.equal(e!.collection, POST);
    assert.equal(e!.record.text, 'hello');
    assert.deepEqual(asked, [false]);
  });

  it('a key rotated since it was cached: refused with the cached key, accepted after one fresh resolution', async () => {
    const [old, current] = [await Secp256k1Keypair.create(), await Secp256k1Keypair.create()];
    const { parse, asked, errors } = setUp([old.did(), current.did()]);
    assert.equal((await parse(await commitFrame(current))).length, 1);
    assert.deepEqual(asked, [false, true]);
    assert.deepEqual(errors, []);
  });

  it('signed by a key the DID never had: one fresh resolution, then refused as a parse error (bad_commit), nothing emitted', async () => {
    const [key, stranger] = [await Secp256k1Keypair.create(), await Secp256k1Keypair.create()];
    const { parse, asked, errors } = setUp([key.did()]);
    assert.deepEqual(await parse(await commitFrame(stranger)), []);
    assert.deepEqual(asked, [false, true]);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof FirehoseParseError);
    assert.match((errors[0]!.cause as Error).message, /Invalid signature on commit/);
  });

  it('other frames still go to @atproto/sync; a Firehose without parseEvt is refused at start', async () => {
    const { parse } = setUp(['did:key:unused']);
    const account = await parse({ $type: 'com.atproto.sync.subscribeRepos#account', did: DID, seq: 2, time: '2026-01-01T00:00:00.000Z', active: false, status: 'deleted' });
    assert.deepEqual(account.map((e) => e.event), ['account']);
    assert.throws(() => verifyCommitsInOnePass({} as Firehose, { idResolver: {} as IdResolver, collections: [POST], onError: () => {} }), /no parseEvt/);
  });
});
