/**
 * Applies a person's opt-in or opt-out, whichever network it came from: the bots on every network
 * and the REST endpoint call these, so the rules (libs/consent/bot-signal.ts actionFor) and the
 * audit trail are the same everywhere. Opt-in links the sender as a native identity (the signal
 * itself is the proof: a signed follow, a signed Nostr event, a DPoP-bound request) and records it
 * in the audit log in the same transaction; opt-out goes through optOut(), which deletes the
 * proxies everywhere.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { Bus } from '../bus/index.js';
import type { Network } from '../events/index.js';
import { linkNativeIdentity } from '../store/native-link.js';
import { actionFor, type Consent, type ConsentAction, type ConsentIntent } from './bot-signal.js';
import { optOut } from './opt-out.js';

export type ConsentChange =
  | { ok: true; action: ConsentAction; accountId?: string; created?: boolean }
  | { ok: false; status: 404 | 409; reason: string };

export interface NativeConsent {
  network: Network;
  nativeId: string;
  handle?: string | null;
  intent: ConsentIntent;
  /** Who did it, for the audit log: `bot:<network>` or `account:<id>`. */
  actor: string;
  /** How (follow, block, message, api): in the audit entry's detail. */
  via: string;
}

/** A person identified by their native id on one network (what every bot sees). */
export async function changeNativeConsent(ds: DataSource, bus: Bus, c: NativeConsent): Promise<ConsentChange> {
  const rows: { account_id: string; consent: Consent; kind: string }[] = await ds.query(
    `SELECT i.account_id, a.consent, i.kind FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = $1 AND i.native_id = $2`,
    [c.network, c.nativeId],
  );
  const found = rows[0];
  if (found?.kind === 'bridged') return { ok: false, status: 409, reason: 'this is one of the bridge’s own identities' };
  const action = actionFor(c.intent, found?.consent);
  if (action === 'none') return { ok: true, action, ...(found ? { accountId: found.account_id } : {}) };
  if (action === 'opt-out') {
    await optOut(ds, bus, found!.account_id, { actor: c.actor, reason: `${c.network} ${c.via}` });
    return { ok: true, action, accountId: found!.account_id };
  }
  return ds.transaction(async (tx) => {
    const linked = await linkNativeIdentity(tx, { network: c.network, nativeId: c.nativeId, handle: c.handle });
    if (!linked.ok) return linked;
    await recordOptIn(tx, c.actor, linked.accountId, { network: c.network, via: c.via });
    return { ok: true as const, action, accountId: linked.accountId, created: linked.created };
  });
}

/** A person identified by their account (the REST API with their account token). */
export async function changeAccountConsent(ds: DataSource, bus: Bus, accountId: string, intent: ConsentIntent, actor: string): Promise<ConsentChange> {
  const rows: { consent: Consent; status: string }[] = await ds.query(`SELECT consent, status FROM accounts WHERE id = $1`, [accountId]);
  const acct = rows[0];
  if (!acct) return { ok: false, status: 404, reason: 'no such account' };
  const action = actionFor(intent, acct.consent);
  if (action === 'none') return { ok: true, action, accountId };
  if (action === 'opt-out') {
    await optOut(ds, bus, accountId, { actor, reason: 'api' });
    return { ok: true, action, accountId };
  }
  if (acct.status !== 'active') return { ok: false, status: 409, reason: `the account is ${acct.status.replace('_', ' ')}` };
  return ds.transaction(async (tx) => {
    // Re-checked under the row lock: a takedown between the read and here wins.
    const [[row]]: [{ id: string }[], number] = await tx.query(`UPDATE accounts SET consent = 'opted_in', updated_at = now() WHERE id = $1 AND status = 'active' RETURNING id`, [accountId]);
    if (!row) return { ok: false as const, status: 409 as const, reason: 'the account is not active' };
    await recordOptIn(tx, actor, accountId, { via: 'api' });
    return { ok: true as const, action, accountId };
  });
}

/** The audit entry of an opt-in (optOut writes its own); inside the caller's transaction when given one. */
export async function recordOptIn(q: Pick<EntityManager, 'query'>, actor: string, accountId: string, detail: Record<string, string>): Promise<void> {
  await q.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, 'account.opt-in', $2, $3::jsonb)`, [actor, `account:${accountId}`, JSON.stringify(detail)]);
}
