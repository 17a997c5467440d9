import { decode, encode } from '@atproto/lex-cbor';
import { ifCid, isPlainObject, type Cid, type LexMap } from '@atproto/lex-data';
import { cidKey, readCarBlocks } from './car-blocks.js';
import { MstLookup } from './mst-lookup.js';

/** The fields of a `#commit` frame (com.atproto.sync.subscribeRepos) the verifier reads. */
export interface CommitFrame {
  repo: string;
  blocks: Uint8Array;
  ops: readonly { action: string; path: string; cid: Cid | null }[];
}

export interface CommitClaim {
  action: string;
  path: string;
  collection: string;
  rkey: string;
  cid: Cid | null;
}

export type VerifiedOp =
  | { action: 'create' | 'update'; collection: string; rkey: string; cid: Cid; record: LexMap }
  | { action: 'delete'; collection: string; rkey: string };

/** The commit is not the repo's or not signed by the key given: worth one retry with a freshly resolved key (as @atproto/sync does). */
export class CommitSignatureError extends Error {}

/** Checks a signature over `data` by a did:key (the native check in production). */
export type SignatureCheck = (didKey: string, data: Uint8Array, sig: Uint8Array) => boolean | Promise<boolean>;

/**
 * The ops of a commit the caller wants (by collection), each path split as @atproto/repo's
 * parseDataKey does (anything but `collection/rkey` throws). Empty: nothing to verify, and no key
 * needs resolving.
 */
export function claimsOf(frame: CommitFrame, wanted: ((collection: string) => boolean) | null): CommitClaim[] {
  const claims: CommitClaim[] = [];
  for (const op of frame.ops) {
    const parts = op.path.split('/');
    // Upstream splits every op's path before filtering: a bad path anywhere refuses the commit.
    if (parts.length !== 2) throw new Error(`Invalid record key: ${op.path}`);
    if (wanted && !wanted(parts[0]!)) continue;
    claims.push({ action: op.action, path: op.path, collection: parts[0]!, rkey: parts[1]!, cid: op.action === 'delete' ? null : op.cid });
  }
  return claims;
}

/**
 * One pass over a firehose commit, with @atproto/sync's verdict (parseCommitAuthenticated with
 * verifyProofs) and none of its second reading of the CAR: every block's CID checked, the signed
 * commit decoded and checked (the repo's DID, its signature by `didKey`), then each claim proven
 * by the MST under the commit's `data`: a create or update only if the tree holds exactly its
 * CID, a delete only if the tree proves the key absent. Ops that are not proven are left out, as
 * upstream; a malformed CAR, commit or node on a proof's path throws, and so does a record the
 * tree holds under a claimed key that is absent from the CAR or not a map (upstream reads it).
 */
export async function verifyCommit(frame: CommitFrame, claims: readonly CommitClaim[], didKey: string, checkSignature: SignatureCheck): Promise<VerifiedOp[]> {
  const { root, blocks } = readCarBlocks(frame.blocks);
  const commitBytes = blocks.get(cidKey(root));
  if (!commitBytes) throw new Error(`missing commit block: ${root.toString()}`);
  const commit = decode(commitBytes) as Record<string, unknown> | null;
  // @atproto/repo's commit schema (v3); only these five fields are signed, whatever else the block holds.
  if (!isPlainObject(commit) || typeof commit.did !== 'string' || commit.version !== 3 || !ifCid(commit.data) || typeof commit.rev !== 'string' || !('prev' in commit) || (commit.prev !== null && !ifCid(commit.prev)) || !(commit.sig instanceof Uint8Array)) {
    throw new Error(`unexpected object: commit ${root.toString()}`);
  }
  if (commit.did !== frame.repo) throw new CommitSignatureError(`Invalid repo did: ${commit.did}`);
  const unsigned = encode({ did: commit.did, version: 3, data: commit.data as Cid, rev: commit.rev, prev: commit.prev as Cid | null });
  if (!(await checkSignature(didKey, unsigned, commit.sig))) throw new CommitSignatureError(`Invalid signature on commit: ${root.toString()}`);

  const mst = new MstLookup(blocks);
  const proven: VerifiedOp[] = [];
  for (const claim of claims) {
    const found = mst.get(commit.data as Cid, claim.path);
    // Upstream reads the record under every key the tree holds, proven or not: missing, or not a map, refuses the commit.
    const record = found ? readMap(blocks.get(cidKey(found)), found) : null;
    if (claim.cid === null) {
      if (!found && claim.action === 'delete') proven.push({ action: 'delete', collection: claim.collection, rkey: claim.rkey });
      continue;
    }
    if (!found || !found.equals(claim.cid) || (claim.action !== 'create' && claim.action !== 'update')) continue;
    if (!isPlainObject(record)) throw new Error('lexicon records be a json object');
    proven.push({ action: claim.action, collection: claim.collection, rkey: claim.rkey, cid: claim.cid, record });
  }
  return proven;
}

/** A block that upstream's zod `record` schema takes for a map: any non-null object but an array. */
function readMap(bytes: Uint8Array | undefined, cid: Cid): LexMap {
  if (!bytes) throw new Error(`missing record block: ${cid.toString()}`);
  const value = decode(bytes) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`unexpected object: map ${cid.toString()}`);
  return value as LexMap;
}
