/** What every peer wrapper offers the runner and the scenarios. */
import type { Network } from '../../events/networks.js';
import type { PeerChild } from '../child.js';

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
  /**
   * Takes the peer down for `ms` and brings it back with the same data and port: a real stop and
   * start where the peer keeps its data on disk (`restartable`), else frozen (SIGSTOP) and resumed.
   */
  outage(ms: number): Promise<'restarted' | 'frozen'>;
  /** Set once started. */
  readonly info: Info | undefined;
  stats(): PeerStats;
}

/** Throws when the peer has not been started (for helpers that need its URLs). */
export function requireInfo<Info>(peer: { info: Info | undefined; network: Network }): Info {
  if (!peer.info) throw new Error(`${peer.network} peer is not started`);
  return peer.info;
}

/**
 * A peer whose server runs in a child process (see child.ts): start, stop, kill and stats are the
 * child's; each peer says only how to probe its health and what it offers scenarios.
 */
export abstract class ChildProcessPeer<Info> implements Peer<Info> {
  abstract readonly network: Network;
  info: Info | undefined;
  protected abstract readonly child: PeerChild<Info>;

  async start(): Promise<Info> {
    this.info = await this.child.start();
    return this.info;
  }

  /** One real request to the started peer; any error counts as unhealthy. */
  protected abstract probe(info: Info): Promise<boolean>;

  async health(): Promise<boolean> {
    if (!this.info) return false;
    try {
      return await this.probe(this.info);
    } catch {
      return false;
    }
  }

  stop(): Promise<void> {
    return this.child.stop();
  }

  kill(): void {
    this.child.kill();
  }

  /** True where the peer keeps its data on disk and its port across a stop and start. */
  get restartable(): boolean {
    return false;
  }

  async outage(ms: number): Promise<'restarted' | 'frozen'> {
    if (this.restartable) {
      await this.child.stop();
      await new Promise((r) => setTimeout(r, ms));
      this.info = await this.child.start();
      return 'restarted';
    }
    this.child.pause();
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      this.child.resume();
    }
    return 'frozen';
  }

  stats(): PeerStats {
    return { startMs: this.child.startMs, rssBytes: this.child.rss(), pid: this.child.pid };
  }
}
