import { availableParallelism } from 'node:os';
import { NETWORKS, type Network } from '../events/networks.js';
import { ActivityPubPeer } from './peers/activitypub-peer.js';
import { AtprotoPeer } from './peers/atproto-peer.js';
import { NostrRelayPeer } from './peers/nostr-relay-peer.js';
import type { Peer } from './peers/peer.js';
import { SolidPeer } from './peers/solid-peer.js';

/** Start time of each peer alone on this 2-core machine (see test/e2e/README.md), used to plan start lanes. */
export const EXPECTED_START_MS: Record<Network, number> = { solid: 6_000, atproto: 3_300, activitypub: 900, nostr: 200 };

export function makePeer(network: Network): Peer<unknown> {
  switch (network) {
    case 'activitypub':
      return new ActivityPubPeer();
    case 'atproto':
      return new AtprotoPeer();
    case 'nostr':
      return new NostrRelayPeer();
    case 'solid':
      return new SolidPeer();
  }
}

/**
 * Peers start in parallel lanes, one lane per core: their start-up is CPU-bound, so starting
 * all four at once on 2 cores is no faster than one after the other. Heaviest first, each to
 * the lane with the least expected work.
 */
export function planLanes(networks: Iterable<Network>, laneCount = availableParallelism()): Network[][] {
  const wanted = new Set(networks);
  const lanes: { load: number; nets: Network[] }[] = Array.from({ length: Math.max(1, laneCount) }, () => ({ load: 0, nets: [] }));
  for (const n of NETWORKS.filter((x) => wanted.has(x)).sort((a, b) => EXPECTED_START_MS[b] - EXPECTED_START_MS[a])) {
    const lane = lanes.reduce((min, l) => (l.load < min.load ? l : min));
    lane.load += EXPECTED_START_MS[n];
    lane.nets.push(n);
  }
  return lanes.map((l) => l.nets).filter((l) => l.length);
}

export interface StartPeersOptions {
  laneCount?: number;
  /** Called as each peer is created, before it starts (so a shutdown path can stop it). */
  onCreated?(network: Network, peer: Peer<unknown>): void;
  onStarted?(network: Network, peer: Peer<unknown>): void;
  onFailed?(network: Network, err: unknown): void;
  /** Checked before each start: true stops starting further peers. */
  cancelled?(): boolean;
}

/** Starts the peers of `networks` in lanes; a peer that fails to start is reported and left out. */
export async function startPeers(networks: Iterable<Network>, opts: StartPeersOptions = {}): Promise<Partial<Record<Network, Peer<unknown>>>> {
  const started: Partial<Record<Network, Peer<unknown>>> = {};
  await Promise.all(
    planLanes(networks, opts.laneCount).map(async (lane) => {
      for (const n of lane) {
        if (opts.cancelled?.()) return;
        const peer = makePeer(n);
        opts.onCreated?.(n, peer);
        try {
          await peer.start();
          started[n] = peer;
          opts.onStarted?.(n, peer);
        } catch (err) {
          opts.onFailed?.(n, err);
        }
      }
    }),
  );
  return started;
}
