import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../../libs/bus/backoff.js';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { Lru } from '../../../libs/collections/index.js';
import type { NostrEvent } from '../mapping/index.js';
import { RelayConnection, type AuthSigner, type NostrFilter } from './relay-connection.js';
import { summarize, type RelayResult } from './relay-result.js';

export interface RelayPublisherOptions {
  /** The bridge's own relays (config `nostr.publishRelays`): success needs one of them to say OK. */
  publishRelays: string[];
  /** How long to wait for each relay's OK (default 5 s). */
  okTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Reconnect schedule per relay (default: the bus's 200 ms doubling to 30 s, jittered). */
  backoff?: BackoffPolicy;
  /** Connections kept open to other people's relays (least recently used closed first; default 64). */
  maxOtherConnections?: number;
  /** NIP-42: signs auth events as our identities, for relays that require it (and NIP-70 protected events). */
  authSigner?: AuthSigner;
  /**
   * Dials relays that are not ours (tagged people's, relay lists'): through the AddressGuard, so the
   * connection uses the addresses it approved. Our own relays are the operator's and dial plainly.
   */
  openOther?: (url: string) => WebSocket;
}

export interface PublishReport {
  eventId: string;
  /** The bridge's own relays' verdicts (what decides the delivery). */
  results: RelayResult[];
  verdict: 'success' | 'permanent' | 'transient';
  /** Other relays (tagged people's read relays): best effort, settled in the background. */
  others: Promise<RelayResult[]>;
}

/**
 * Publishes signed events to the bridge's relays (+ tagged people's relays, best effort) over
 * reused connections, and reads from them (latest lists, profiles, relay lists). Plain class: the
 * Nest module wires it.
 */
export class RelayPublisher {
  private readonly conns = new Map<string, RelayConnection>();
  private readonly otherConns: Lru<RelayConnection>;
  readonly publishRelays: readonly string[];

  constructor(private readonly opts: RelayPublisherOptions) {
    if (!opts.publishRelays.length) throw new Error('RelayPublisher needs at least one publish relay (nostr.publishRelays)');
    this.publishRelays = [...opts.publishRelays];
    this.otherConns = new Lru(opts.maxOtherConnections ?? 64, (c) => c.close());
  }

  /**
   * Sends to every relay at once; waits for the own relays' OKs (or their timeouts) only, so a slow
   * or dead relay of someone we tagged never delays a delivery.
   */
  async publish(event: NostrEvent, otherRelays: readonly string[] = []): Promise<PublishReport> {
    const okTimeout = this.opts.okTimeoutMs ?? 5_000;
    const others = [...new Set(otherRelays)].filter((url) => !this.publishRelays.includes(url));
    const settledOthers = Promise.all(others.map((url) => this.otherConn(url).publish(event, okTimeout)));
    const results = await Promise.all(this.publishRelays.map((url) => this.conn(url).publish(event, okTimeout)));
    return { eventId: event.id, results, verdict: summarize(results, this.publishRelays), others: settledOthers };
  }

  /**
   * Events matching `filter` from the own relays plus `otherRelays`, merged; relays that fail or
   * time out are skipped (callers verify what comes back: another relay may serve anything).
   */
  async queryMany(filter: NostrFilter, otherRelays: readonly string[] = [], timeoutMs = 5_000): Promise<NostrEvent[]> {
    const others = [...new Set(otherRelays)].filter((url) => !this.publishRelays.includes(url));
    const answers = await Promise.allSettled([
      ...this.publishRelays.map((url) => this.conn(url).query(filter, timeoutMs)),
      ...others.map((url) => this.otherConn(url).query(filter, timeoutMs)),
    ]);
    return answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
  }

  /** publish(), throwing a DeliveryError unless one own relay has the event. */
  async publishOrThrow(event: NostrEvent, extraRelays: readonly string[] = []): Promise<PublishReport> {
    const report = await this.publish(event, extraRelays);
    if (report.verdict !== 'success') throw reportError(report, this.publishRelays);
    return report;
  }

  /**
   * The newest event per filter over the own relays; throws when no own relay answered (so a
   * caller never mistakes "relay down" for "no list yet": publishing a fresh list would wipe one).
   */
  async latest(filter: NostrFilter, timeoutMs = 5_000): Promise<NostrEvent | undefined> {
    const answers = await Promise.allSettled(this.publishRelays.map((url) => this.conn(url).query({ ...filter, limit: 1 }, timeoutMs)));
    const ok = answers.filter((a): a is PromiseFulfilledResult<NostrEvent[]> => a.status === 'fulfilled');
    if (!ok.length) {
      const why = answers.map((a) => (a.status === 'rejected' ? (a.reason as Error).message : '')).join('; ');
      throw new DeliveryError('no bridge relay answered a query', { kind: 'transient', target: this.publishRelays.join(' '), status: 'unreachable', body: why });
    }
    // NIP-01 replaceable rule: newest created_at wins, ties go to the lowest id.
    return ok.flatMap((a) => a.value).sort((x, y) => y.created_at - x.created_at || (x.id < y.id ? -1 : 1))[0];
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    this.otherConns.clear();
  }

  private connect(url: string, open?: (url: string) => WebSocket): RelayConnection {
    return new RelayConnection(url, { connectTimeoutMs: this.opts.connectTimeoutMs ?? 5_000, backoff: this.opts.backoff ?? DEFAULT_BACKOFF, authSigner: this.opts.authSigner, open });
  }

  private otherConn(url: string): RelayConnection {
    let c = this.otherConns.get(url);
    if (!c) this.otherConns.set(url, (c = this.connect(url, this.opts.openOther)));
    return c;
  }

  private conn(url: string): RelayConnection {
    let c = this.conns.get(url);
    if (!c) this.conns.set(url, (c = this.connect(url)));
    return c;
  }
}

export function reportError(report: PublishReport, ownRelays: readonly string[]): DeliveryError {
  const own = report.results.filter((r) => ownRelays.includes(r.relay));
  const first = own.find((r) => r.outcome === report.verdict) ?? own[0];
  const prefix = /^([a-z-]+):/.exec(first?.message ?? '')?.[1];
  return new DeliveryError(`event ${report.eventId} not accepted by any bridge relay`, {
    kind: report.verdict === 'permanent' ? 'permanent' : 'transient',
    target: own.map((r) => r.relay).join(' '),
    status: prefix ?? (report.verdict === 'permanent' ? 'rejected' : 'unreachable'),
    body: own.map((r) => `${r.relay}: ${r.outcome} ${r.message}`).join('; '),
  });
}
