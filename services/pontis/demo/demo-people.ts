import type { Network } from '../../../libs/events/index.js';
import type { ActivityPubPeer } from '../../../libs/harness/peers/activitypub-peer.js';
import type { AtprotoPeer } from '../../../libs/harness/peers/atproto-peer.js';
import type { NostrRelayPeer } from '../../../libs/harness/peers/nostr-relay-peer.js';
import type { SolidPeer } from '../../../libs/harness/peers/solid-peer.js';
import { createLogger } from '../../../libs/observability/index.js';
import { blueskyDemoPerson } from './demo-bluesky.js';
import { fediverseDemoPerson } from './demo-fediverse.js';
import { nostrDemoPerson } from './demo-nostr.js';
import type { DemoPerson, DemoTarget, PontisAddress } from './demo-person.js';
import { chooseAction, demoText, nextDelayMs, pick, type Random } from './demo-plan.js';
import { solidDemoPerson } from './demo-solid.js';

const log = createLogger('sandbox-demo');

export interface DemoPeers {
  activitypub?: ActivityPubPeer;
  atproto?: AtprotoPeer;
  nostr?: NostrRelayPeer;
  solid?: SolidPeer;
}

export interface DemoPeopleOptions {
  pontis: PontisAddress;
  peers: DemoPeers;
  /** Mean time between two actions (each by one person), jittered ±50 %. */
  everyMs?: number;
  random?: Random;
}

export interface DemoPeople {
  /** The people set up so far. */
  people(): readonly DemoPerson[];
  stop(): void;
}

const SETUP_ATTEMPTS = 5;

/**
 * The sandbox's demo people: one per network that has a sandbox peer, linked to the bridge the
 * way a real person on that network would link, each posting once when ready and then, every
 * ~20 s, one of them posts, replies to or likes another's latest post (its copy on their own
 * network, found through the bridge's public account API). Nothing here can stop Pontis: every
 * failure is logged and the next turn comes anyway.
 */
export function startDemoPeople(opts: DemoPeopleOptions): DemoPeople {
  const random = opts.random ?? Math.random;
  const everyMs = opts.everyMs ?? 20_000;
  const { pontis, peers } = opts;
  const ready: DemoPerson[] = [];
  const accounts = new Map<DemoPerson, string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let n = 0;

  const makers: [Network, () => Promise<DemoPerson>][] = [];
  if (peers.activitypub) makers.push(['activitypub', () => fediverseDemoPerson(peers.activitypub!, pontis, 'ada', 'Ada (demo)')]);
  if (peers.atproto) makers.push(['atproto', () => blueskyDemoPerson(peers.atproto!, pontis, 'demo-bo')]);
  if (peers.nostr) makers.push(['nostr', () => nostrDemoPerson(peers.nostr!, pontis, 'Nia (demo)')]);
  if (peers.solid) makers.push(['solid', () => solidDemoPerson(peers.solid!, pontis, 'demo-sol')]);

  for (const [network, make] of makers)
    void (async () => {
      for (let attempt = 1; attempt <= SETUP_ATTEMPTS && !stopped; attempt++) {
        try {
          const person = await make();
          if (stopped) return;
          ready.push(person);
          log.info('demo person ready: look them up in the dashboard', { network, handle: person.handle, dashboard: `${pontis.publicUrl}/dashboard#/lookup?q=${encodeURIComponent(person.handle)}` });
          await act(person, 'post');
          return;
        } catch (err) {
          log.warn('demo person not set up yet', { network, attempt, err: (err as Error).message });
          await new Promise((r) => setTimeout(r, 10_000).unref());
        }
      }
    })();

  /** Another person's latest post as its copy on `person`'s network, if the bridge has made one. */
  async function target(person: DemoPerson): Promise<DemoTarget | undefined> {
    const other = pick(random, ready.filter((p) => p !== person));
    if (!other) return undefined;
    const id = await accountOf(other);
    if (!id) return undefined;
    const res = await fetch(`${pontis.api}/api/v1/accounts/${id}`);
    if (!res.ok) return undefined;
    const a = (await res.json()) as { lastIn?: { deletedAt: string | null; copies: { network: string; nativeId: string }[] }[]; networks?: Record<string, { bridged: { nativeId: string }[] }> };
    const copy = a.lastIn?.find((o) => !o.deletedAt)?.copies.find((c) => c.network === person.network);
    const author = a.networks?.[person.network]?.bridged[0]?.nativeId;
    return copy && author ? { nativeId: copy.nativeId, author } : undefined;
  }

  async function accountOf(person: DemoPerson): Promise<string | undefined> {
    if (accounts.has(person)) return accounts.get(person);
    const res = await fetch(`${pontis.api}/api/v1/accounts?q=${encodeURIComponent(person.nativeId)}`);
    const id = res.ok ? ((await res.json()) as { items: { accountId: string }[] }).items[0]?.accountId : undefined;
    if (id) accounts.set(person, id);
    return id;
  }

  async function act(person: DemoPerson, forced?: 'post'): Promise<void> {
    const to = forced ? undefined : await target(person);
    const action = forced ?? chooseAction(random, !!to);
    n++;
    try {
      if (action === 'post' || !to) await person.post(demoText(random, 'post', n));
      else if (action === 'reply') await person.reply(to, demoText(random, 'reply', n));
      else await person.like(to);
      log.info('demo person acted', { network: person.network, action: to ? action : 'post' });
    } catch (err) {
      log.warn('demo action failed', { network: person.network, action, err: (err as Error).message });
    }
  }

  const tick = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      const person = pick(random, ready);
      void (person ? act(person) : Promise.resolve()).catch((err: Error) => log.warn('demo turn failed', { err: err.message })).finally(tick);
    }, nextDelayMs(random, everyMs));
    timer.unref();
  };
  tick();

  return {
    people: () => [...ready],
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
