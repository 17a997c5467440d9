/**
 * The e2e scenario registry API. A scenario is one observable behaviour, named
 * `<feature>:<from>-><to>` (e.g. `post:activitypub->atproto`), that runs against real peers
 * and a real Pontis. Scenario modules export `scenarios: Scenario[]` and are listed in
 * scenarios/index.ts.
 */
import type { Network } from '../../libs/events/networks.js';
import type { ActivityPubPeer } from '../../libs/harness/peers/activitypub-peer.js';
import type { AtprotoPeer } from '../../libs/harness/peers/atproto-peer.js';
import type { NostrRelayPeer } from '../../libs/harness/peers/nostr-relay-peer.js';
import type { SolidPeer } from '../../libs/harness/peers/solid-peer.js';
import type { PontisProcess } from '../../libs/harness/pontis-process.js';
import type { WaitForOptions } from '../../libs/harness/util.js';

export type { Network };

/** The peer wrapper class for each network. */
export interface PeerMap {
  activitypub: ActivityPubPeer;
  atproto: AtprotoPeer;
  nostr: NostrRelayPeer;
  solid: SolidPeer;
}

/**
 * When the runner runs a scenario:
 *  - `peers`: right after the peers started (before Pontis), e.g. `peer:<network>`;
 *  - `pontis`: right after Pontis was started, e.g. `pontis:start`;
 *  - `main` (default): everything else, in registry order, one at a time.
 */
export type Stage = 'peers' | 'pontis' | 'main';

export interface Scenario {
  /** '<feature>:<from>-><to>', or '<check>:<network>' for infrastructure checks. Unique. */
  id: string;
  /** Peers that must be running; the runner starts only what the selected scenarios need. */
  needs: Network[];
  /** Whether Pontis must be running (default true). Peer-only checks set false. */
  needsPontis?: boolean;
  /** Default 30 s. */
  timeoutMs?: number;
  /**
   * Why this scenario is known to be flaky. It still runs: a pass is a PASS; a failure is printed
   * as `SKIP <id>: quarantined (<why>); failed: <reason>` and does not fail the run. For the next
   * person to fix, never for a scenario that fails every time.
   */
  quarantine?: string;
  stage?: Stage;
  /** Throw (or reject) to fail; the error message becomes the FAIL reason. */
  run(ctx: E2EContext): Promise<void>;
}

export interface E2EContext {
  /** The peers the runner started (a network is absent when nothing selected needed it). */
  readonly peers: Partial<PeerMap>;
  /** The running peer for `network`, or a thrown error saying why it is not available. */
  peer<N extends Network>(network: N): PeerMap[N];
  /** Why a peer (or 'pontis') failed to start, if it did. */
  readonly startErrors: Partial<Record<Network | 'pontis', string>>;
  /** Base URL of Pontis (http://127.0.0.1:PORT), undefined when not started. */
  readonly pontisUrl: string | undefined;
  /** The Pontis child process (for scenarios that restart or inspect it). */
  readonly pontisProcess: PontisProcess | undefined;
  /** Poll until `fn` returns something truthy (not undefined/null/false); throws on timeout. Stops early when the scenario timed out. */
  waitFor<T>(fn: () => T | Promise<T>, opts?: WaitForOptions): Promise<Exclude<T, undefined | null | false>>;
  /** Aborted when the scenario's timeout expires. */
  readonly signal: AbortSignal;
  /** A short name unique within this run: `${prefix}${counter}${random}` (lowercase letters and digits). */
  unique(prefix: string): string;
  /** Diagnostics to stderr (stdout carries only PASS/FAIL lines). */
  log(message: string): void;
}

/** Identity helper that gives type checking to a scenario literal. */
export function defineScenario(s: Scenario): Scenario {
  return s;
}

/**
 * The scenarios of one pair of networks share their needs, their time limit and the pair of linked
 * people each one starts from: the definer this returns takes only the id and the body.
 */
export function pairScenarios<P>(needs: readonly Network[], timeoutMs: number, pair: (ctx: E2EContext) => Promise<P>) {
  return (id: string, run: (ctx: E2EContext, p: P) => Promise<void>): Scenario => ({ id, needs: [...needs], timeoutMs, run: async (ctx) => run(ctx, await pair(ctx)) });
}

/** Throws with `message` when `cond` is falsy. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}
