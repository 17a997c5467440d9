/** What every peer wrapper offers the runner and the scenarios. */
import type { Network } from '../../events/networks.js';

export interface PeerStats {
  /** Milliseconds from spawning the peer to its "ready" message. */
  startMs: number | undefined;
  /** Resident memory of the peer's process, bytes (null when not running). */
  rssBytes: number | null;
  pid: number | undefined;
}

export interface Peer<Info> {
  readonly network: Network;
  /** Starts the server; resolves with its URLs etc. once it accepts requests. */
  start(): Promise<Info>;
  /** One real request to the peer; true when it answered as expected. Never throws. */
  health(): Promise<boolean>;
  /** Stops the server and its process. Safe to call when not started or already stopped. */
  stop(): Promise<void>;
  /** Kills the peer's process abruptly (for failure scenarios). */
  kill(): void;
  /** Set once started. */
  readonly info: Info | undefined;
  stats(): PeerStats;
}

/** Throws when the peer has not been started (for helpers that need its URLs). */
export function requireInfo<Info>(peer: { info: Info | undefined; network: Network }): Info {
  if (!peer.info) throw new Error(`${peer.network} peer is not started`);
  return peer.info;
}
