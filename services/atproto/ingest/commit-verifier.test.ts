import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Secp256k1Keypair, verifySignature } from '@atproto/crypto';
import type { IdResolver } from '@atproto/identity';
import { cidForLex, decode, encode } from '@atproto/lex-cbor';
import { cidForRawBytes, decodeCid, type Cid } from '@atproto/lex-data';
import { BlockMap, blocksToCarFile, MemoryBlockstore, Repo, signCommit, WriteOpAction, type RecordCreateOp, type RecordWriteOp } from '@atproto/repo';
import { parseCommitAuthenticated } from '@atproto/sync';
import fc from 'fast-check';
import { useNativeSignatureChecks } from './native-signature.js';
import { parseCommit } from './one-pass-commits.js';
import { didDocument } from './testing.js';
import { cidKey, readCarBlocks } from './car-blocks.js';

type Nsid = `${string}.${string}.${string}`;
const WATCHED: Nsid[] = ['app.bsky.feed.post', 'app.bsky.feed.like', 'app.bsky.graph.follow'];
const COLLECTIONS: Nsid[] = [...WATCHED, 'com.example.unwatched'];
const DID = 'did:plc:verifiertest0000000000';
const TAMPERS = ['none', 'other-key', 'record-flipped', 'record-missing', 'op-cid-wrong', 'delete-present', 'delete-present-with-record', 'bad-rev', 'bad-prev', 'no-prev', 'extra-block', 'junk-block', 'trailing-junk', 'mst-node-missing', 'wrong-repo'] as const;
type Tamper = (typeof TAMPERS)[number];
/** Tampers after which the commit must be refused whole (it has at least one watched op). */
const REFUSED: readonly Tamper[] = ['other-key', 'record-flipped', 'record-missing', 'bad-rev', 'bad-prev', 'no-prev', 'junk-block', 'trailing-junk', 'wrong-repo'];

interface Frame {
  repo: string;
  seq: number;
  time: string;
  rev: string;
  commit: Cid;
  blocks: Uint8Array;
  ops: { action: string; path: string; cid: Cid | null }[];
}

const record = (collection: string, n: number) => ({ $type: collection, text: `record ${n}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() });
const rkey = (n: number) => `3k${String(n).padStart(11, '0')}`;

const scenario = fc.record({
  initial: fc.uniqueArray(fc.record({ c: fc.nat(COLLECTIONS.length - 1), n: fc.nat(400) }), { minLength: 1, maxLength: 30, selector: (r) => r.n }),
  creates: fc.array(fc.nat(COLLECTIONS.length - 1), { maxLength: 3 }),
  // Per initial record: 0 untouched, 1 updated, 2 deleted.
  fate: fc.array(fc.nat(2), { minLength: 30, maxLength: 30 }),
  tamper: fc.constantFrom(...TAMPERS),
  pick: fc.nat(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function build(s: Scenario, key: Secp256k1Keypair, other: Secp256k1Keypair) {
  const storage = new MemoryBlockstore();
  const initial = s.initial.map(({ c, n }) => ({ action: WriteOpAction.Create, collection: COLLECTIONS[c]!, rkey: rkey(n), record: record(COLLECTIONS[c]!, n) }) as RecordCreateOp);
  const repo = await Repo.create(storage, DID, key, initial);
  const writes: RecordWriteOp[] = [];
  s.initial.forEach(({ c, n }: { c: number; n: number }, i: number) => {
    const collection = COLLECTIONS[c]!;
    if (s.fate[i] === 1) writes.push({ action: WriteOpAction.Update, collection, rkey: rkey(n), record: { ...record(collection, n), text: `edited ${n}` } });
    if (s.fate[i] === 2) writes.push({ action: WriteOpAction.Delete, collection, rkey: rkey(n) });
  });
  s.creates.forEach((c: number, i: number) => writes.push({ action: WriteOpAction.Create, collection: COLLECTIONS[c]!, rkey: rkey(1000 + i), record: record(COLLECTIONS[c]!, 1000 + i) }));
  // At least one watched op, so that a refusal is a verdict and not "nothing to verify".
  writes.push({ action: WriteOpAction.Create, collection: WATCHED[s.pick % WATCHED.length]!, rkey: rkey(2000), record: record(WATCHED[0]!, 2000) });
  const commit = await repo.formatCommit(writes, s.tamper === 'other-key' ? other : key);
  const blocks = new BlockMap();
  blocks.addMap(commit.newBlocks);
  blocks.addMap(commit.relevantBlocks);
  const ops = await Promise.all(writes.map(async (w) => ({ action: w.action as string, path: `${w.collection}/${w.rkey}`, cid: w.action === WriteOpAction.Delete ? null : await cidForLex(w.record) })));
  let root = commit.cid;
  let repoDid = DID;
  let trailing = new Uint8Array(0);
  // A watched op's record: an unwatched op is not verified at all (upstream neither).
  const written = ops.filter((o) => o.cid && (WATCHED as string[]).includes(o.path.split('/')[0]!));
  const target = written[s.pick % written.length]!;
  const untouched = s.initial.filter((_: unknown, i: number) => s.fate[i] === 0);
  switch (s.tamper) {
    case 'record-flipped': {
      const bytes = Uint8Array.from(blocks.get(target.cid!)!);
      bytes[s.pick % bytes.length] ^= 0x01;
      blocks.set(target.cid!, bytes);
      break;
    }
    case 'record-missing':
      blocks.delete(target.cid!);
      break;
    case 'op-cid-wrong':
      target.cid = await cidForLex({ $type: 'app.bsky.feed.post', text: 'not what the tree holds', createdAt: '2026-01-01T00:00:00.000Z' });
      break;
    case 'delete-present':
    case 'delete-present-with-record': {
      const kept = untouched[s.pick % Math.max(1, untouched.length)];
      if (!kept) break;
      ops.push({ action: 'delete', path: `${COLLECTIONS[kept.c]}/${rkey(kept.n)}`, cid: null });
      // With the record's block present upstream refuses only that op; without it, the whole commit.
      if (s.tamper === 'delete-present-with-record') await blocks.add(record(COLLECTIONS[kept.c]!, kept.n));
      break;
    }
    case 'bad-rev':
    case 'bad-prev':
    case 'no-prev': {
      const unsigned: Record<string, unknown> = { did: DID, version: 3, data: repoData(blocks, root).data, rev: commit.rev, prev: null };
      if (s.tamper === 'bad-rev') unsigned.rev = 42;
      if (s.tamper === 'bad-prev') unsigned.prev = 'bafyreinotacid';
      if (s.tamper === 'no-prev') delete unsigned.prev;
      const signed = await signCommit(unsigned as never, key);
      blocks.delete(root);
      root = await blocks.add(signed as never);
      break;
    }
    case 'extra-block': {
      const junk = randomBytes(40);
      blocks.set(await cidForRawBytes(junk), junk);
      break;
    }
    case 'junk-block':
      blocks.set(await cidForRawBytes(randomBytes(8)), randomBytes(40));
      break;
    case 'trailing-junk':
      trailing = Uint8Array.of(0x05, 0x01, 0x02);
      break;
    case 'mst-node-missing': {
      const nodes = [...blocks.entries()].filter(({ cid }) => !cid.equals(root) && !ops.some((o) => o.cid?.equals(cid)));
      const node = nodes[s.pick % Math.max(1, nodes.length)];
      if (node) blocks.delete(node.cid);
      break;
    }
    case 'wrong-repo':
      repoDid = 'did:plc:someoneelse0000000000';
      break;
  }
  const car = await blocksToCarFile(root, blocks);
  const frame: Frame = { repo: repoDid, seq: 7, time: '2026-01-01T00:00:00.000Z', rev: commit.rev, commit: root, blocks: Buffer.concat([car, trailing]), ops };
  return { frame, target };
}

function repoData(blocks: BlockMap, root: Cid): { data: Cid } {
  return decode(blocks.get(root)!) as { data: Cid };
}

/** A verdict in comparable form: refused (with no detail: the messages differ), or the ops with their CIDs and record bytes. */
type Verdict = 'refused' | string[];
async function verdict(run: () => Promise<readonly { event: string; collection: string; rkey: string; cid?: Cid; record?: unknown }[]>): Promise<Verdict> {
  try {
    return (await run()).map((e) => `${e.event} ${e.collection}/${e.rkey} ${e.cid?.toString() ?? '-'} ${e.record ? Buffer.from(encode(e.record as never)).toString('hex') : '-'}`);
  } catch (err) {
    if (process.env.VERIFIER_DEBUG) console.error(err);
    return 'refused';
  }
}

describe('one-pass commit verifier', () => {
  it('agrees with @atproto/sync (parseCommitAuthenticated) on accept/reject and on the ops and records, untouched and tampered', async () => {
    useNativeSignatureChecks();
    const key = await Secp256k1Keypair.create();
    const other = await Secp256k1Keypair.create();
    // @atproto/sync asks for the key, the one-pass verifier for the document (and remembers its key).
    const doc = didDocument(DID, key.did());
    const resolver = { did: { resolveAtprotoKey: async () => key.did(), ensureResolve: async () => doc } } as unknown as IdResolver;
    const watched = (c: string) => (WATCHED as string[]).includes(c);
    const seen = new Map<Tamper, { refused: number; accepted: number }>();
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { frame, target } = await build(s, key, other);
        const theirs = await verdict(() => parseCommitAuthenticated(resolver, frame as never, watched));
        const ours = await verdict(() => parseCommit(frame as never, watched, resolver, (k, d, sig) => verifySignature(k, d, sig)).then((ops) => ops.map((o) => ({ ...o, event: o.action }))));
        assert.deepEqual(ours, theirs, `tamper ${s.tamper}`);
        const tally = seen.get(s.tamper) ?? { refused: 0, accepted: 0 };
        tally[ours === 'refused' ? 'refused' : 'accepted']++;
        seen.set(s.tamper, tally);
        // The oracle could be wrong in the same way: the verdicts we know must hold do hold.
        if (REFUSED.includes(s.tamper)) assert.equal(ours, 'refused', s.tamper);
        if (s.tamper === 'none') assert.equal((ours as string[]).length, frame.ops.filter((o) => watched(o.path.split('/')[0]!)).length);
        if (s.tamper === 'op-cid-wrong' && ours !== 'refused') assert.ok(!ours.some((line) => line.split(' ')[1] === target.path), s.tamper);
      }),
      { numRuns: 200 },
    );
    // Every tamper was tried.
    assert.equal(seen.size, TAMPERS.length, [...seen.keys()].join());
  });

  it('refuses a CAR block whose bytes are not what its CID says, and a truncated CAR', async () => {
    const ok = encode({ hello: 'world' });
    const cid = await cidForLex({ hello: 'world' });
    const blocks = new BlockMap();
    blocks.set(cid, ok);
    const good = await blocksToCarFile(cid, blocks);
    assert.ok(readCarBlocks(good).blocks.get(cidKey(cid)));
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 1;
    assert.throws(() => readCarBlocks(bad), /Not a valid CID for bytes/);
    assert.throws(() => readCarBlocks(good.subarray(0, good.length - 3)), /truncated/);
    assert.throws(() => readCarBlocks(decodeCid(cid.bytes).bytes));
  });
});
