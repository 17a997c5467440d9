import type { DataSource, EntityManager } from 'typeorm';
import type { Network } from '../events/index.js';
import type { SecretBox } from './secret-box.js';
import { openToken, sealToken } from './sealed-token.js';

/**
 * One person, several networks (account mirroring). Every link endpoint proves control of one
 * native identity (NIP-98, an app password or OAuth, a code in a public post, Solid-OIDC) and
 * answers with an account token. Sent back in the `Pontis-Account` header while linking the next
 * identity, it puts that identity into the same account: proof of both, no password of ours.
 */
export const ACCOUNT_TOKEN_HEADER = 'pontis-account';
const ACCOUNT_TOKEN_AAD = 'pontis.account-token.v1';
/** Long enough to go and sign in on another network, short enough that a leaked one soon dies. */
export const ACCOUNT_TOKEN_TTL_S = 3_600;

export function issueAccountToken(box: SecretBox, accountId: string, nowMs = Date.now()): string {
  return sealToken(box, ACCOUNT_TOKEN_AAD, { a: accountId }, ACCOUNT_TOKEN_TTL_S, nowMs);
}

/** The account the header names; no header is no account; a bad one is an error for the person. */
export function readAccountToken(box: SecretBox, header: string | undefined, nowMs = Date.now()): { ok: true; accountId?: string } | { ok: false; reason: string } {
  if (header === undefined || header === '') return { ok: true };
  const payload = openToken(box, ACCOUNT_TOKEN_AAD, header.trim(), nowMs);
  if (typeof payload?.a !== 'string') return { ok: false, reason: `the ${ACCOUNT_TOKEN_HEADER} token is not valid (any more): link your first account again for a new one` };
  return { ok: true, accountId: payload.a };
}

export type NativeLinkResult =
  | { ok: true; accountId: string; identityId: string; created: boolean; joined: boolean }
  | { ok: false; status: 404 | 409; reason: string };

export interface NativeLink {
  network: Network;
  nativeId: string;
  handle?: string | null;
  /** From the account token: put the identity into this account. */
  intoAccount?: string;
  /** Mirror choices the network needs when absent (Solid: off until the person picks the archive). */
  mirrorDefaults?: Record<string, string>;
}

/**
 * Records that a person proved they control `nativeId`: found and re-verified, or created; the
 * account opted in. A bridged identity (one of ours) can never be claimed. With `intoAccount`,
 * the identity joins that account; an identity that already has an account of its own moves only
 * when that account holds nothing else (no other identity, so no copies anywhere to orphan).
 */
export async function linkNativeIdentity(db: DataSource | EntityManager, o: NativeLink): Promise<NativeLinkResult> {
  // Inside the caller's transaction when it has one (the Solid link writes its pod row with it).
  if ((db as EntityManager).queryRunner?.isTransactionActive) return run(db as EntityManager, o);
  return db.transaction((m) => run(m, o));
}

async function run(m: EntityManager, o: NativeLink): Promise<NativeLinkResult> {
  const found: { id: string; account_id: string; kind: string }[] = await m.query(`SELECT id, account_id, kind FROM identities WHERE network = $1 AND native_id = $2 FOR UPDATE`, [o.network, o.nativeId]);
  const existing = found[0];
  if (existing?.kind === 'bridged') return { ok: false, status: 409, reason: 'this is one of the bridge’s own identities' };
  if (o.intoAccount) {
    const target: { status: string }[] = await m.query(`SELECT status FROM accounts WHERE id = $1 FOR UPDATE`, [o.intoAccount]);
    if (!target[0]) return { ok: false, status: 404, reason: 'the account of the token no longer exists' };
    if (target[0].status !== 'active') return { ok: false, status: 409, reason: `the account of the token is ${target[0].status.replace('_', ' ')}` };
  }
  let accountId: string;
  let identityId: string;
  let created = false;
  let joined = false;
  if (existing && (!o.intoAccount || existing.account_id === o.intoAccount)) {
    ({ account_id: accountId, id: identityId } = existing);
    await m.query(`UPDATE identities SET verified_at = now(), handle = COALESCE($2, handle) WHERE id = $1`, [identityId, o.handle ?? null]);
  } else if (existing) {
    const others: { n: string }[] = await m.query(`SELECT count(*)::text AS n FROM identities WHERE account_id = $1 AND id <> $2`, [existing.account_id, existing.id]);
    if (others[0]?.n !== '0')
      return { ok: false, status: 409, reason: `this ${o.network} identity already has a Pontis account of its own, with copies on other networks; stop bridging it there first (unlink), then link it into this account` };
    await m.query(`UPDATE identities SET account_id = $2, verified_at = now(), handle = COALESCE($3, handle) WHERE id = $1`, [existing.id, o.intoAccount, o.handle ?? null]);
    await m.query(`UPDATE accounts SET consent = 'opted_out', updated_at = now() WHERE id = $1`, [existing.account_id]);
    accountId = o.intoAccount!;
    identityId = existing.id;
    joined = true;
  } else {
    if (o.intoAccount) {
      accountId = o.intoAccount;
      joined = true;
    } else {
      const [a]: { id: string }[] = await m.query(`INSERT INTO accounts (consent) VALUES ('opted_in') RETURNING id`);
      accountId = a!.id;
      created = true;
    }
    const [i]: { id: string }[] = await m.query(
      `INSERT INTO identities (account_id, network, native_id, handle, kind, verified_at) VALUES ($1, $2, $3, $4, 'native', now()) RETURNING id`,
      [accountId, o.network, o.nativeId, o.handle ?? null],
    );
    identityId = i!.id;
  }
  // The person's existing choices win over the network's defaults.
  await m.query(`UPDATE accounts SET consent = 'opted_in', mirror = $2::jsonb || mirror, updated_at = now() WHERE id = $1 AND status = 'active'`, [accountId, JSON.stringify(o.mirrorDefaults ?? {})]);
  return { ok: true, accountId, identityId, created, joined };
}
