import type { DataSource } from 'typeorm';
import { linkNativeIdentity as linkNative } from '../../../libs/store/index.js';

export type NativeIdentityResult =
  | { ok: true; identityId: string; accountId: string; created: boolean }
  | { ok: false; status: 404 | 409; reason: string };

/**
 * Records that a person proved they own `did` (app password or OAuth): the native identity is
 * created, or found and re-verified, and its account opted in. A DID that is one of our own
 * bridged accounts is refused (no one can claim those through linking).
 */
export async function linkNativeIdentity(ds: DataSource, did: string, handle: string | undefined, intoAccount?: string): Promise<NativeIdentityResult> {
  const r = await linkNative(ds, { network: 'atproto', nativeId: did, handle, intoAccount });
  return r.ok ? { ok: true, identityId: r.identityId, accountId: r.accountId, created: r.created } : r;
}
