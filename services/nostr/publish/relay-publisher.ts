import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../../libs/bus/backoff.js';
import { DeliveryError } from '../../../libs/adapter/index.js';
import type { NostrEvent } from '../mapping/index.js';
import { RelayConnection, type NostrFilter } from './relay-connection.js';
import { summarize, type RelayResult } from './relay-result.js';

export interface RelayPublisherOptions {
  /** The bridge's own relays (config `nostr.publishRelays`): success needs one of them to say OK. */
  publishRelays: string[];
  /** How long to wait for each relay's OK (default 5 s). */
  okTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Reconnect schedule per relay (default: the bus's 200 ms doubling to 30 s, jittered). */
  backoff?: BackoffPolicy;
}

export interface PublishReport {
  eventId: string;
  results: RelayResult[];
  verdict: 'success' | 'permanent' | 'transient';
}

/**
 * Publishes signed events to the bridge's relays (+ extra relays, best effort) over reused
 * connections, and reads from them (latest lists, profiles). Plain class: the Nest module wires it.
 */
export class RelayPublisher {
  private readonly conns = new Map<string, RelayConnection>();
  readonly publishRelays: readonly string[];

  constructor(private readonly opts: RelayPublisherOptions) {
    if (!opts.publishRelays.length) throw new Error('RelayPublisher needs at least one publish relay (nostr.publishRelays)');
    this.publishRelays = [...opts.publishRelays];
  }

  /** Sends to every relay at once and waits for each OK (or its timeout). */
  async publish(event: NostrEvent, extraRelays: readonly string[] = []): Promise<PublishReport> {
    const relays = [...new Set([...this.publishRelays, ...extraRelays])];
    const results = await Promise.all(relays.map((url) => this.conn(url).publish(event, this.opts.okTimeoutMs ?? 5_000)));
    return { eventId: event.id, results, verdict: summarize(results, this.publishRelays) };
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
  }

  private conn(url: string): RelayConnection {
    let c = this.conns.get(url);
    if (!c) this.conns.set(url, (c = new RelayConnection(url, { connectTimeoutMs: this.opts.connectTimeoutMs ?? 5_000, backoff: this.opts.backoff ?? DEFAULT_BACKOFF })));
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
