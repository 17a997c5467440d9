import { ensureAtprotoKey, type IdResolver } from '@atproto/identity';
import { verifySignature } from '@atproto/crypto';
import { FirehoseParseError, type Event, type Firehose } from '@atproto/sync';
import { claimsOf, CommitSignatureError, verifyCommit, type CommitFrame, type SignatureCheck } from './commit-verifier.js';

const COMMIT = 'com.atproto.sync.subscribeRepos#commit';

export interface OnePassOptions {
  idResolver: IdResolver;
  /** The collections the Firehose was told to keep (its filterCollections, exact NSIDs). */
  collections: readonly string[];
  onError: (err: Error) => void;
  /** Default: @atproto/crypto's verifySignature (the native check once useNativeSignatureChecks ran). */
  checkSignature?: SignatureCheck;
}

/**
 * Makes the Firehose verify `#commit` frames with our one-pass verifier (commit-verifier.ts)
 * instead of @atproto/sync's parseCommitAuthenticated, which reads the CAR twice (once to prove,
 * once to format) through BlockMaps keyed by base32 CID strings: with the signature check native,
 * that decoding was the largest share of a watched commit's CPU (docs/BENCHMARKS.md). Same verdict (the property test holds @atproto/sync
 * as the oracle), same key refresh: a commit that fails with the cached key is tried once more
 * with a freshly resolved one. Other frames are parsed by @atproto/sync as before.
 *
 * parseEvt is private to Firehose (as the subscription is for firehose-backpressure.ts): if a
 * version renames it, this throws at start instead of silently verifying nothing differently.
 */
export function verifyCommitsInOnePass(firehose: Firehose, o: OnePassOptions): void {
  const holder = firehose as unknown as { parseEvt?: (evt: unknown) => Promise<Event[]> };
  const upstream = holder.parseEvt;
  if (typeof upstream !== 'function') throw new Error('@atproto/sync Firehose has no parseEvt to replace: the one-pass commit verifier needs updating for this version');
  const wanted = new Set(o.collections);
  const match = (collection: string) => wanted.has(collection);
  const check = o.checkSignature ?? ((didKey, data, sig) => verifySignature(didKey, data, sig));
  holder.parseEvt = async (evt: unknown) => {
    const frame = evt as CommitFrame & { $type?: unknown; seq: number; time: string; rev: string; commit: unknown };
    if (frame?.$type !== COMMIT) return upstream.call(firehose, evt);
    try {
      return (await parseCommit(frame, match, o.idResolver, check)).map((op) => ({
        event: op.action,
        seq: frame.seq,
        time: frame.time,
        commit: frame.commit,
        rev: frame.rev,
        did: frame.repo,
        collection: op.collection,
        rkey: op.rkey,
        ...(op.action === 'delete' ? {} : { cid: op.cid, record: op.record }),
        // @atproto/sync's CommitEvt also carries `blocks` and `uri`: the ingest reads neither, so neither is built.
      })) as unknown as Event[];
    } catch (err) {
      o.onError(new FirehoseParseError(err, evt as never));
      return [];
    }
  };
}

/** A commit's proven ops, the key refreshed once on a signature failure (exported for the property test against @atproto/sync). */
export async function parseCommit(frame: CommitFrame, match: (collection: string) => boolean, idResolver: IdResolver, check: SignatureCheck, fresh = false): ReturnType<typeof verifyCommit> {
  const claims = claimsOf(frame, match);
  if (!claims.length) return [];
  const key = await signingKey(idResolver, frame.repo, fresh);
  try {
    return await verifyCommit(frame, claims, key, check);
  } catch (err) {
    if (err instanceof CommitSignatureError && !fresh) return parseCommit(frame, match, idResolver, check, true);
    throw err;
  }
}

/** The did:key of each DID document object the resolver's cache hands back (the same object until it is fetched again). */
const keyOfDocument = new WeakMap<object, string>();

/**
 * resolveAtprotoKey, remembering the key per document: the cached document's key was parsed from
 * its multibase on every commit (≈7 % of a watched commit's CPU in the profile).
 */
async function signingKey(idResolver: IdResolver, did: string, fresh: boolean): Promise<string> {
  if (did.startsWith('did:key:')) return did;
  const doc = await idResolver.did.ensureResolve(did, fresh);
  let key = keyOfDocument.get(doc);
  if (key === undefined) keyOfDocument.set(doc, (key = ensureAtprotoKey(doc)));
  return key;
}
