/**
 * The people of a fault run: a handful per network, linked the way the e2e scenarios link them
 * (their helpers, through an E2EContext over the fault stack), and one fediverse observer that
 * follows every bridged actor, so everything bridged to the fediverse reaches a real inbox.
 */
import type { AtpAgent } from '@atproto/api';
import { getPublicKey } from 'nostr-tools/pure';
import type { ApUser } from '../../libs/harness/index.js';
import { errorMessage, fetchT, waitFor } from '../../libs/harness/util.js';
import type { E2EContext, Network } from '../e2e/scenario.js';
import { linkedFediverseUser } from '../e2e/scenarios/activitypub.js';
import { linkBluesky } from '../e2e/scenarios/atproto.js';
import { linkNostrKey } from '../e2e/scenarios/nostr-person.js';
import { linkSolid, type SolidPerson } from '../e2e/scenarios/solid.js';
import type { Stack } from './stack.js';

export type Person =
  | { network: 'nostr'; name: string; nativeId: string; sk: Uint8Array }
  | { network: 'atproto'; name: string; nativeId: string; agent: AtpAgent }
  | { network: 'activitypub'; name: string; nativeId: string; user: ApUser }
  | { network: 'solid'; name: string; nativeId: string; solid: SolidPerson };

/** Where a person's bridged identities live on the other networks (from the account status API). */
export interface Bridged {
  person: Person;
  accountId: string;
  /** network → native id of the bridged identity (npub hex, did, actor URL, WebID). */
  on: Partial<Record<Network, string>>;
}

let counter = 0;
export function contextFor(stack: Stack, log: (m: string) => void): E2EContext {
  const runTag = Math.random().toString(36).slice(2, 6);
  return {
    peers: stack.peers,
    peer: (n) => stack.peers[n],
    startErrors: {},
    pontisUrl: stack.publicUrl,
    pontisProcess: undefined,
    waitFor: (fn, opts = {}) => waitFor(fn, { timeoutMs: 60_000, ...opts }),
    signal: new AbortController().signal,
    unique: (prefix) => `${prefix}${++counter}${runTag}`,
    log,
  };
}

export async function createPeople(ctx: E2EContext, perNetwork: number): Promise<Person[]> {
  const people: Person[] = [];
  for (let i = 0; i < perNetwork; i++) {
    const { sk } = await linkNostrKey(ctx);
    people.push({ network: 'nostr', name: `nostr${i}`, nativeId: getPublicKey(sk), sk });
    const b = await linkBluesky(ctx, `bsky${i}`);
    people.push({ network: 'atproto', name: `bsky${i}`, nativeId: b.account.did, agent: b.agent });
    const u = await linkedFediverseUser(ctx, `fedi${i}`);
    people.push({ network: 'activitypub', name: u.name, nativeId: u.id, user: u });
    const s = await linkSolid(ctx, `pod${i}`);
    people.push({ network: 'solid', name: s.account.podName, nativeId: s.webId, solid: s });
  }
  return people;
}

interface IdentityView {
  network: Network;
  nativeId: string;
  kind: 'native' | 'bridged';
}

/** The person's account and bridged identities, once they exist on every other network (a pod is slow to provision on a loaded machine: 120 s ran out at load average 15). */
export async function bridgedIdentities(base: string, person: Person, timeoutMs = 300_000): Promise<Bridged> {
  let seen = 'no account found';
  return waitFor(
    async () => {
      const found = (await (await fetchT(`${base}/api/v1/accounts?q=${encodeURIComponent(person.nativeId)}`)).json()) as { items?: { accountId: string }[] };
      const id = found.items?.[0]?.accountId;
      if (!id) return undefined;
      const acct = (await (await fetchT(`${base}/api/v1/accounts/${id}`)).json()) as { identities?: IdentityView[] };
      const on: Partial<Record<Network, string>> = {};
      for (const i of acct.identities ?? []) if (i.kind === 'bridged') on[i.network] = i.nativeId;
      const missing = (['nostr', 'atproto', 'activitypub', 'solid'] as Network[]).filter((n) => n !== person.network && !on[n]);
      seen = `account ${id} has ${JSON.stringify(acct.identities?.map((i) => `${i.kind} ${i.network}`))}`;
      return missing.length ? undefined : { person, accountId: id, on };
    },
    { timeoutMs, intervalMs: 1_000, what: `the bridged identities of ${person.network} person ${person.name}` },
  ).catch((err: unknown) => {
    throw new Error(`${errorMessage(err)}; last seen: ${seen}`);
  });
}

/** A fediverse user that follows every bridged actor (so Creates and Announces reach its inbox). */
export async function fediverseObserver(ctx: E2EContext, bridged: Bridged[]): Promise<ApUser> {
  const ap = ctx.peer('activitypub');
  const observer = await ap.createUser(ctx.unique('observer'));
  const actors = bridged.map((b) => b.on.activitypub).filter((a): a is string => !!a);
  for (const actor of actors) {
    try {
      await ap.follow(observer.name, actor);
    } catch (err) {
      throw new Error(`observer could not follow ${actor}: ${errorMessage(err)}`);
    }
  }
  await ctx.waitFor(
    async () => {
      const accepted = new Set((await ap.following(observer.name)).filter((f) => f.accepted).map((f) => f.id));
      return actors.every((a) => accepted.has(a));
    },
    { timeoutMs: 60_000, what: 'the bridged actors to accept the observer' },
  );
  return observer;
}
