import type { ActorRef, EventType, Network } from '../../libs/events/index.js';
import { actorDomain, domainMatches } from './actor-domain.js';
import type { AccountInfo, BridgePolicy } from './translation-context.js';

/** Why an event is not bridged at all. Low-cardinality: these are metric label values. */
export type DropReason =
  | 'duplicate'
  | 'echo'
  | 'network-disabled'
  | 'domain-blocked'
  | 'not-opted-in'
  | 'opted-out'
  | 'account-inactive'
  | 'nobridge-tag'
  | 'not-owner'
  | 'not-public'
  | 'no-targets'
  | 'moderation'
  | 'blocked-by-recipient';

/** Admin rules on the source: the network must be on and the actor's domain allowed. */
export function policyDenies(policy: BridgePolicy, actor: ActorRef): DropReason | null {
  if (!policy.networks[actor.network]) return 'network-disabled';
  const domain = actorDomain(actor);
  if (domain) {
    if (policy.blockedDomains.some((r) => domainMatches(domain, r))) return 'domain-blocked';
    if (policy.allowedDomains.length && !policy.allowedDomains.some((r) => domainMatches(domain, r))) return 'domain-blocked';
  }
  return null;
}

/**
 * The person's own choice. Under the default opt-in policy nothing is bridged without an
 * explicit opt-in; under opt-out, anyone who has not said no is bridged (the translator
 * creates their account, consent 'pending', before it gets here).
 */
export function consentDenies(policy: BridgePolicy, account: AccountInfo | undefined, type?: EventType): DropReason | null {
  if (!account) return 'not-opted-in';
  // Removing the proxies is what opting out (or a takedown) asks for: it must get through both.
  if (type === 'account.deleted') return null;
  if (account.status !== 'active') return 'account-inactive';
  if (account.consent === 'opted_out') return 'opted-out';
  if (account.consent === 'pending' && policy.defaultConsent === 'opt-in') return 'not-opted-in';
  return null;
}

/** Whether `target` is switched on by the admin and by the person. */
export function targetOpen(policy: BridgePolicy, account: AccountInfo | undefined, source: Network, target: Network): boolean {
  if (target === source || !policy.networks[target]) return false;
  return account?.mirror[target] !== 'off';
}
