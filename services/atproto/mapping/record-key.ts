import { createHash } from 'node:crypto';

const S32 = '234567abcdefghijklmnopqrstuvwxyz';

/**
 * A TID (the record key format of posts, likes, reposts, follows and blocks) derived from the
 * command id: the same command always writes the same rkey, so a retry after a crash finds the
 * record it already wrote instead of writing a second one. The timestamp part is the event time
 * (TIDs sort by time, as clients expect) plus a sub-millisecond spread from the hash; the 10-bit
 * clock id is from the hash too, so two commands at the same millisecond do not collide.
 */
export function recordKeyFor(commandId: string, occurredAt: string): string {
  const h = createHash('sha256').update(`pontis-rkey\0${commandId}`).digest();
  const ms = Date.parse(occurredAt);
  const micros = BigInt(Number.isFinite(ms) ? Math.max(ms, 0) : 0) * 1000n + BigInt(h.readUInt16BE(0) % 1000);
  const clockId = BigInt(h.readUInt16BE(2) & 0x3ff);
  // 64 bits: top bit 0, 53 bits of microseconds, 10 bits of clock id; 13 base32-sortable characters.
  let n = ((micros & ((1n << 53n) - 1n)) << 10n) | clockId;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = S32[Number(n & 31n)]! + out;
    n >>= 5n;
  }
  return out;
}

const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
export function isTid(rkey: string): boolean {
  return TID.test(rkey);
}
