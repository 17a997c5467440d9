/**
 * Which firehose commits may concern the bridge's Bluesky bot, decided on the raw frame before any
 * verification (pure, cheap: this runs for every commit of every repo we do not watch). A commit
 * qualifies when it creates a follow or a block and its CAR bytes contain the bot's DID: the
 * record's subject is a CBOR text string, so the DID's ASCII appears verbatim. A false positive
 * (the DID elsewhere in the blocks) only costs the normal verification; the handler then reads
 * the verified record's subject.
 */
import { COLLECTION } from '../mapping/index.js';

const PREFIXES = [`${COLLECTION.follow}/`, `${COLLECTION.block}/`];

export function botCommitFilter(botDid: string): (commit: { ops?: unknown; blocks?: unknown }) => boolean {
  const needle = Buffer.from(botDid, 'utf8');
  return (commit) => {
    if (!Array.isArray(commit.ops) || !(commit.blocks instanceof Uint8Array)) return false;
    const creates = commit.ops.some((op: { action?: unknown; path?: unknown }) => op?.action === 'create' && typeof op.path === 'string' && PREFIXES.some((p) => (op.path as string).startsWith(p)));
    if (!creates) return false;
    const blocks = commit.blocks;
    return Buffer.from(blocks.buffer, blocks.byteOffset, blocks.byteLength).includes(needle);
  };
}

/** What a verified record means for the bot: a follow or a block of it, or nothing. */
export function botSignalOf(op: { action: string; collection: string; record?: unknown }, botDid: string): 'follow' | 'block' | undefined {
  if (op.action !== 'create') return undefined;
  const subject = (op.record as { subject?: unknown } | undefined)?.subject;
  if (subject !== botDid) return undefined;
  return op.collection === COLLECTION.follow ? 'follow' : op.collection === COLLECTION.block ? 'block' : undefined;
}
