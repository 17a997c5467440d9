/**
 * The e2e scenarios' context (test/e2e/scenario.ts) for code outside a scenario run, so the
 * bench links people with the very helpers the e2e suite uses (linkBluesky, linkSolid, …).
 */
import { randomBytes } from 'node:crypto';
import type { Network } from '../libs/events/index.js';
import { waitFor, type Peer } from '../libs/harness/index.js';
import type { E2EContext, PeerMap } from '../test/e2e/scenario.js';

export function benchContext(peers: Partial<Record<Network, Peer<unknown>>>, pontisUrl: string): E2EContext {
  let counter = 0;
  const tag = randomBytes(2).toString('hex');
  const signal = new AbortController().signal;
  return {
    peers: peers as Partial<PeerMap>,
    peer<N extends Network>(network: N): PeerMap[N] {
      const p = peers[network];
      if (!p) throw new Error(`the ${network} peer is not running`);
      return p as unknown as PeerMap[N];
    },
    startErrors: {},
    pontisUrl,
    pontisProcess: undefined,
    waitFor: (fn, opts) => waitFor(fn, { timeoutMs: 120_000, ...opts, signal }),
    signal,
    unique: (prefix) => `${prefix}${++counter}${tag}`,
    log: (m) => process.stderr.write(`bench: ${m}\n`),
  };
}
