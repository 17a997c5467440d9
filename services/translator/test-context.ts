/** A translation context for the pure translator's unit tests: every network on, nobody known yet. */
import type { AccountInfo, IdentityInfo, TranslationContext } from './translation-context.js';

export function testContext(policy: Partial<TranslationContext['policy']> = {}): TranslationContext {
  return {
    policy: { networks: { activitypub: true, atproto: true, nostr: true, solid: true }, blockedDomains: [], allowedDomains: [], defaultConsent: 'opt-in', ...policy },
    identities: new Map(),
    accounts: new Map(),
    objects: new Map(),
    processed: new Set(),
    now: new Date('2026-11-20T10:00:00Z'),
    pendingTimeoutMs: 60_000,
  };
}

/** An opted-in, active account with these identities, known to `ctx` by each identity. */
export function addAccount(ctx: TranslationContext, id: string, identities: Omit<IdentityInfo, 'accountId'>[], extra: Partial<AccountInfo> = {}): AccountInfo {
  const account: AccountInfo = { id, consent: 'opted_in', status: 'active', mirror: {}, identities: [], ...extra };
  for (const i of identities) {
    const full = { ...i, accountId: id };
    account.identities.push(full);
    ctx.identities.set(`${i.network}:${i.id}`, full);
  }
  ctx.accounts.set(id, account);
  return account;
}
