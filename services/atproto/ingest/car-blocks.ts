import { createHash } from 'node:crypto';
import { decode } from '@atproto/lex-cbor';
import { ifCid, type Cid } from '@atproto/lex-data';

/** A CAR's blocks by their CID's bytes (as a latin1 string: a cheap, exact Map key). */
export type BlockMap = Map<string, Uint8Array>;

export const cidKey = (cid: Cid): string => Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1');

/** CIDv1, dag-cbor (0x71) or raw (0x55), sha2-256 (0x12, 32 bytes): what repo blocks are (atproto data model). */
const CID_LENGTH = 36;

/**
 * The blocks of a firehose commit's CAR (CARv1, one root), every block's CID checked against
 * the SHA-256 of its bytes, as @atproto/repo's readCarWithRoot does before it proves anything:
 * a CAR with any block that is not what its CID says is refused whole. Blocks are read as
 * @atproto/repo reads them (a 36-byte CID, then the bytes; a later duplicate wins); a CID of
 * another shape is refused (atproto repos hold only sha2-256 dag-cbor and raw blocks).
 */
export function readCarBlocks(car: Uint8Array): { root: Cid; blocks: BlockMap } {
  const bytes = Buffer.from(car.buffer, car.byteOffset, car.byteLength);
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new Error('CAR truncated in a length');
      if (shift > 49) throw new Error('CAR length too long');
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  const take = (n: number, what: string): Buffer => {
    if (n > bytes.length - at) throw new Error(`CAR truncated in ${what}`);
    const out = bytes.subarray(at, (at += n));
    return out;
  };
  const header = decode(take(varint(), 'the header')) as { version?: unknown; roots?: unknown } | null;
  if (!header || typeof header !== 'object' || header.version !== 1 || !Array.isArray(header.roots) || !header.roots.every((r) => ifCid(r))) throw new Error('Could not parse CAR header');
  if (header.roots.length !== 1) throw new Error(`Expected one root, got ${header.roots.length}`);
  const blocks: BlockMap = new Map();
  while (at < bytes.length) {
    const block = take(varint(), 'a block');
    if (block.length < CID_LENGTH || block[0] !== 0x01 || (block[1] !== 0x71 && block[1] !== 0x55) || block[2] !== 0x12 || block[3] !== 0x20) throw new Error('CAR block with a CID that is not CIDv1 sha2-256 dag-cbor or raw');
    const data = block.subarray(CID_LENGTH);
    if (!createHash('sha256').update(data).digest().equals(block.subarray(4, CID_LENGTH))) throw new Error('Not a valid CID for bytes');
    blocks.set(block.toString('latin1', 0, CID_LENGTH), data);
  }
  return { root: header.roots[0] as Cid, blocks };
}
