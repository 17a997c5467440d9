import { createHash } from 'node:crypto';
import type { ObjectRef } from '../../libs/events/index.js';

/**
 * The object map key of an original, derived from its native ref (a name-based UUID, as in
 * RFC 9562 v5 but with SHA-256), so a replayed event maps to the same object without a lookup.
 */
export function objectKeyFor(ref: Pick<ObjectRef, 'network' | 'id'>): string {
  const h = createHash('sha256').update(`pontis-object\0${ref.network}\0${ref.id}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function refKey(ref: Pick<ObjectRef, 'network' | 'id'>): string {
  return `${ref.network}:${ref.id}`;
}
