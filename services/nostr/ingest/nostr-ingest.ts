/**
 * The inbound half of the Nostr adapter: relays → verify → dedupe → mapper → bridge.events.v1,
 * then the relay's cursor. Plain class (wired into Nest elsewhere).
 *
 * Guarantee: at least once from the relays' point of view. A relay's cursor (`nostr:relay:<url>`
 * in `cursors`) moves only past events whose BridgeEvents the bus has acknowledged (relay-cursor.ts),
 * so a crash or restart re-reads from the cursor minus an overlap; what comes twice has the same
 * deterministic BridgeEvent ids and is dropped by the translator.
 */
import { matchFilter } from 'nostr-tools/filter';
import type { DataSource } from 'typeorm';
import { DEFAULT_BACKOFF, retryDelay, sleep, type BackoffPolicy } from '../../../libs/bus/backoff.js';
import type { Bus } from '../../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../../libs/events/index.js';
import { createLogger, rejectInput, type Logger } from '../../../libs/observability/index.js';
import { getCursor, setCursor } from '../../../libs/store/index.js';
import { nostrHandleFor } from '../identity/handles.js';
import { checkNip05, type Nip05Check } from '../identity/nip05-check.js';
import { KIND, normalizeRelayUrl, toEvents, type InboundContext, type NostrEvent } from '../mapping/index.js';
import * as C from './constants.js';
import { ContactLists, followsOf, supersedes } from './contact-lists.js';
import { RecentIds } from './dedupe.js';
import { createVerifier, shapeProblem, type EventVerifier, type RejectReason } from './event-verifier.js';
import { ingestOutcomes, publishFailures, relaysConnected } from './metrics.js';
import { refusalOf } from './refusal-of.js';
import { RelayCursor } from './relay-cursor.js';
import { TokenBuckets, type BucketPolicy } from '../../../libs/collections/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { Profiles } from './profiles.js';
import { RelayDirectory } from './relay-directory.js';
import { RelaySubscription } from './relay-subscription.js';
import { SerialQueue } from './serial-queue.js';
import { subscriptionsFor, WatchList, type SubSpec } from './watch-list.js';
import type { NostrBot } from '../bot/nostr-bot.js';

export interface NostrIngestOptions {
  bus: Bus;
  ds: DataSource;
  /** `config.nostr.readRelays` (PONTIS_NOSTR_READ_RELAYS). */
  readRelays: readonly string[];
  /**
   * Verified events per author (a flood from one key is dropped past it, counted as rate_limited;
   * other authors on the same relay are not held up behind it). Default 120 a minute, 300 at once:
   * the burst leaves room for a backfill after downtime.
   */
  perAuthorLimit?: BucketPolicy;
  logger?: Logger;
  /** A ready verifier, or which engine to load (default: WebAssembly, else pure JS). */
  verifier?: EventVerifier | 'wasm' | 'js';
  /** Also read from watched authors' NIP-65 write relays (default true). */
  discoverRelays?: boolean;
  /**
   * Connect to discovered relays on loopback or private addresses (default false: a relay list
   * is attacker-controlled, SSRF). Configured relays are the admin's choice and always used.
   */
  allowPrivateAddresses?: boolean;
  maxDiscoveredRelays?: number;
  /** Every verified kind 10002 of a watched author (the publisher uses their read relays). */
  onRelayList?: (event: NostrEvent) => void;
  /** NIP-05 check (default: an HTTPS fetch through the address guard). */
  checkNip05?: (address: string, pubkey: string) => Promise<Nip05Check>;
  /** Kind-0 events of people never seen, from relays (unverified: ingest checks them). Absent: names come only from subscriptions. */
  queryProfiles?: (pubkeys: string[]) => Promise<unknown[]>;
  overlapSeconds?: number;
  watchRefreshMs?: number;
  cursorFlushMs?: number;
  cursorFlushEvents?: number;
  dedupeSize?: number;
  contactsCacheSize?: number;
  chunkSize?: number;
  maxQueue?: number;
  backoff?: BackoffPolicy;
  probeIntervalMs?: number;
  /** The bridge's bot (services/nostr/bot): its REQs on every relay, and every verified event that tags it. */
  bot?: Pick<NostrBot, 'specs' | 'isBotSpec' | 'concerns' | 'handle'>;
}

export interface NostrIngestHealth {
  ok: boolean;
  connected: number;
  total: number;
  detail: string;
  relays: { url: string; connected: boolean; cursor: number | null; queued: number }[];
}

interface RelayState {
  url: string;
  configured: boolean;
  sub: RelaySubscription;
  cursor: RelayCursor;
  queue: SerialQueue;
  /** The specs of the current REQ generation, by key. */
  specs: Map<string, SubSpec>;
  sinceFlush: number;
}

/** What dedupe remembers of a verified event: enough for the cursor and for NIP-09 authorship (mapper `lookupEvent`). */
interface Seen {
  pubkey: string;
  kind: number;
  created_at: number;
}

class Stopped extends Error {}

export class NostrIngest {
  private readonly log: Logger;
  private readonly watch: WatchList;
  private readonly relays = new Map<string, RelayState>();
  private readonly configured: string[];
  private readonly guard: AddressGuard;
  /** Discovered relays already refused (logged once each). */
  private readonly refused = new Set<string>();
  private readonly recent: RecentIds<Seen>;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly rejectLog = new RecentIds(10_000);
  private readonly perAuthor: TokenBuckets;
  private readonly contacts: ContactLists;
  private readonly mutes: ContactLists;
  private readonly profiles: Profiles;
  private readonly directory = new RelayDirectory();
  private readonly abort = new AbortController();
  private verifier: EventVerifier | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private relaySync: Promise<void> = Promise.resolve();
  private flushing: Promise<void> = Promise.resolve();
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly opts: NostrIngestOptions) {
    this.log = opts.logger ?? createLogger('nostr-ingest');
    this.configured = [...new Set(opts.readRelays.map((u) => normalizeRelayUrl(u) ?? u))];
    this.guard = new AddressGuard({ allowPrivate: opts.allowPrivateAddresses, network: 'nostr' });
    this.perAuthor = new TokenBuckets(opts.perAuthorLimit ?? { perMinute: 120, burst: 300 });
    this.recent = new RecentIds<Seen>(opts.dedupeSize ?? C.DEFAULT_DEDUPE_SIZE);
    this.contacts = new ContactLists(opts.ds, opts.contactsCacheSize ?? C.DEFAULT_CONTACTS_CACHE);
    this.mutes = new ContactLists(opts.ds, opts.contactsCacheSize ?? C.DEFAULT_CONTACTS_CACHE, C.mutesKey);
    const query = opts.queryProfiles;
    this.profiles = new Profiles({
      ds: opts.ds,
      checkNip05: opts.checkNip05 ?? ((address, pubkey) => checkNip05(address, pubkey, { guard: this.guard })),
      fetchProfiles: query && (async (pubkeys) => (await query(pubkeys)).flatMap((raw) => this.verifiedCopy(raw) ?? [])),
    });
    this.watch = new WatchList(opts.ds, { refreshMs: opts.watchRefreshMs ?? C.DEFAULT_WATCH_REFRESH_MS, logger: this.log });
  }

  /** Which verifier runs ('wasm' or 'js'), once started. */
  get verifierEngine(): 'wasm' | 'js' | undefined {
    return this.verifier?.engine;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`NostrIngest cannot start: it is ${this.state} (make a new one)`);
    this.state = 'running';
    const v = this.opts.verifier;
    this.verifier =
      typeof v === 'object'
        ? v
        : await createVerifier({ engine: v, onFallback: (err) => this.log.warn('nostr-wasm unavailable; verifying with pure JS (~5x slower)', { err }) });
    await this.watch.refresh();
    this.watch.onChange(() => this.onWatchChange());
    this.watch.start();
    this.flushTimer = setInterval(() => void this.flush(), this.opts.cursorFlushMs ?? C.DEFAULT_CURSOR_FLUSH_MS);
    this.flushTimer.unref();
    await this.syncRelays();
    this.log.info('nostr ingest started', { relays: this.relays.size, verifier: this.verifier.engine, authors: this.watch.current.authors.length });
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    this.abort.abort();
    this.watch.stop();
    clearInterval(this.flushTimer);
    await this.relaySync.catch(() => undefined);
    await Promise.all([...this.relays.values()].map((r) => r.sub.stop()));
    await Promise.all([...this.relays.values()].map((r) => r.queue.idle()));
    await this.flush();
    this.relays.clear();
  }

  /** Reload the watch list now (e.g. right after someone opts in), instead of waiting for the next refresh. */
  refreshWatchList(): Promise<boolean> {
    return this.watch.refresh();
  }

  health(): NostrIngestHealth {
    const relays = [...this.relays.values()].map((r) => ({ url: r.url, connected: r.sub.connected, cursor: r.cursor.position ?? null, queued: r.queue.size }));
    const connected = relays.filter((r) => r.connected).length;
    return { ok: this.state === 'running' && connected > 0, connected, total: relays.length, detail: `${connected}/${relays.length} relays connected`, relays };
  }

  // --- relays ---------------------------------------------------------------------------------

  private onWatchChange(): void {
    if (this.state !== 'running') return;
    for (const r of this.relays.values()) r.sub.resubscribe();
    if (this.directory.prune(new Set(this.watch.current.authors))) void this.syncRelays();
  }

  /** Configured relays plus the NIP-65 write relays of watched authors; serialized, so two syncs never race. */
  private syncRelays(): Promise<void> {
    this.relaySync = this.relaySync.then(() => this.doSyncRelays()).catch((err) => this.log.error('nostr relay set update failed', { err }));
    return this.relaySync;
  }

  private async doSyncRelays(): Promise<void> {
    if (this.state !== 'running') return;
    const listed = this.opts.discoverRelays === false ? [] : this.directory.relays(this.opts.maxDiscoveredRelays ?? C.DEFAULT_MAX_DISCOVERED_RELAYS);
    const discovered: string[] = [];
    for (const url of listed) {
      if (this.configured.includes(url)) continue;
      const verdict = await this.guard.check(url);
      if (verdict.ok) discovered.push(url);
      else if (!this.refused.has(url)) {
        this.refused.add(url);
        this.log.warn('nostr relay from a relay list refused', { relay: url, reason: verdict.reason });
      }
    }
    const wanted = new Set([...this.configured, ...discovered]);
    for (const [url, r] of this.relays) {
      if (wanted.has(url)) continue;
      this.relays.delete(url);
      await r.sub.stop();
      await r.queue.idle();
      await this.flushRelay(r);
      this.log.info('nostr relay dropped (no watched author lists it any more)', { relay: url });
    }
    for (const url of wanted) {
      if (this.relays.has(url)) continue;
      const stored = await getCursor(this.opts.ds, C.relayCursorKey(url));
      const n = stored === null ? NaN : Number(stored);
      this.addRelay(url, this.configured.includes(url), Number.isSafeInteger(n) ? n : undefined);
    }
  }

  private addRelay(url: string, configured: boolean, stored: number | undefined): void {
    const overlap = this.opts.overlapSeconds ?? C.DEFAULT_OVERLAP_SECONDS;
    const queue = new SerialQueue((err) => {
      if (!(err instanceof Stopped)) this.log.error('nostr ingest task failed', { relay: url, err });
    });
    const r: RelayState = { url, configured, cursor: new RelayCursor(stored), queue, specs: new Map(), sinceFlush: 0, sub: undefined as unknown as RelaySubscription };
    const after = () => this.afterTask(r);
    r.sub = new RelaySubscription({
      url,
      // The operator's relays may be on a private network; a discovered one connects only to the
      // addresses the guard approved (a relay list's host may rebind to 127.0.0.1 after the check).
      open: configured ? undefined : (u) => this.guard.webSocket(u),
      logger: this.log,
      backoff: this.opts.backoff,
      probeIntervalMs: this.opts.probeIntervalMs,
      specs: () => {
        const since = r.cursor.since(overlap, nowSeconds());
        const watched = subscriptionsFor(this.watch.current, since, { chunkSize: this.opts.chunkSize, relayLists: configured && this.opts.discoverRelays !== false });
        return this.opts.bot ? [...watched, ...this.opts.bot.specs(since)] : watched;
      },
      handlers: {
        onSubscribed: (gen, specs) => {
          r.specs = new Map(specs.map((s) => [s.key, s]));
          const gating = specs.filter((s) => s.gatesCursor).map((s) => s.key);
          this.enqueue(r, () => r.cursor.begin(gen, gating), after);
        },
        onEvent: (key, gen, raw) => {
          const spec = r.specs.get(key);
          if (spec) this.enqueue(r, () => this.handleEvent(r, spec, raw), after);
        },
        onEose: (key, gen) => this.enqueue(r, () => r.cursor.eose(key, gen), after),
        onConnection: (up) => {
          relaysConnected.inc(up ? 1 : -1);
          this.log.info(up ? 'nostr relay connected' : 'nostr relay disconnected', { relay: url });
        },
        onMalformedFrame: (detail) => this.reject(r, /UTF-8/.test(detail) ? 'invalid_utf8' : 'malformed', detail, undefined),
      },
    });
    this.relays.set(url, r);
    r.sub.start();
  }

  private enqueue(r: RelayState, task: () => Promise<void> | void, after: () => void): void {
    r.queue.push(task, after); // event tasks check the state themselves; cursor bookkeeping is harmless after stop
    // Backpressure: a relay can send faster than the bus takes. Stop reading; the cursor brings it all back later.
    if (r.queue.size > (this.opts.maxQueue ?? C.DEFAULT_MAX_QUEUE)) {
      this.log.warn('nostr relay paused: ingest queue full', { relay: r.url, queued: r.queue.size });
      r.sub.pause();
    }
  }

  private afterTask(r: RelayState): void {
    if (r.queue.size < (this.opts.maxQueue ?? C.DEFAULT_MAX_QUEUE) / 2 && this.state === 'running') r.sub.resume();
    if (r.sinceFlush >= (this.opts.cursorFlushEvents ?? C.DEFAULT_CURSOR_FLUSH_EVENTS)) void this.flush();
  }

  // --- events ---------------------------------------------------------------------------------

  private async handleEvent(r: RelayState, spec: SubSpec, raw: unknown): Promise<void> {
    if (this.state !== 'running') return;
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    // Dedupe before verifying: only verified ids are remembered, so a known id means we hold the genuine event.
    if (typeof id === 'string') {
      const seen = this.recent.get(id);
      if (seen) {
        const running = this.inflight.get(id);
        if (running) await running; // its publish must land before this relay's cursor may pass it
        ingestOutcomes.inc({ outcome: 'duplicate' });
        if (spec.gatesCursor) this.observe(r, seen.created_at);
        return;
      }
    }
    const problem = shapeProblem(raw);
    if (problem) return this.reject(r, 'malformed', problem, id);
    // Match before the (expensive) signature check: a relay may send anything, including floods we never asked for.
    if (!matchFilter(spec.filter, raw as NostrEvent)) return this.reject(r, 'unrequested', `matches no filter of ${spec.key}`, id);
    const verdict = this.verifier!.verify(raw);
    if (!verdict.ok) return this.reject(r, verdict.reason, verdict.detail, id);
    const event = verdict.event;
    // After verification, so a forger cannot spend someone else's allowance.
    if (!this.perAuthor.take(event.pubkey, Date.now()).allowed) {
      if (spec.gatesCursor) this.observe(r, event.created_at);
      return this.reject(r, 'rate_limited', `more than the allowance of events from ${event.pubkey}`, event.id);
    }
    this.recent.add(event.id, { pubkey: event.pubkey, kind: event.kind, created_at: event.created_at });
    const bot = this.opts.bot;
    if (bot?.concerns(event)) await bot.handle(event, spec);
    // The bot's REQs reach everyone; only a watched author's event goes on to be bridged.
    if (bot?.isBotSpec(spec.key) && !this.watch.current.authors.includes(event.pubkey)) {
      if (spec.gatesCursor) this.observe(r, event.created_at);
      return;
    }
    const work = this.process(r, event);
    this.inflight.set(event.id, work);
    try {
      await work;
    } finally {
      this.inflight.delete(event.id);
    }
    if (spec.gatesCursor) this.observe(r, event.created_at);
  }

  private async process(r: RelayState, event: NostrEvent): Promise<void> {
    if (event.kind === KIND.relayList) {
      ingestOutcomes.inc({ outcome: 'relay_list' });
      this.opts.onRelayList?.(event);
      if (this.directory.update(event)) void this.syncRelays();
      return;
    }
    const ctx: InboundContext = {
      bridgedPubkeys: this.watch.current.bridgedPubkeys,
      lookupEvent: (id) => this.recent.get(id),
      ...(await this.namesFor(event)),
      knownCoordinate: await this.knownCoordinates(event),
    };
    const lists = event.kind === KIND.contacts ? this.contacts : event.kind === KIND.muteList ? this.mutes : undefined;
    if (!lists) return this.mapAndPublish(r, event, ctx);
    // NIP-02/51: only the newest list counts; a late older one (another relay) must not produce a diff.
    await lists.withAuthor(event.pubkey, async () => {
      const stored = await lists.get(event.pubkey);
      if (!supersedes(event, stored)) {
        ingestOutcomes.inc({ outcome: 'stale_list' });
        return;
      }
      const previous = event.kind === KIND.contacts ? { previousFollows: stored?.follows } : { previousMutes: stored?.follows };
      await this.mapAndPublish(r, event, { ...ctx, ...previous });
      await lists.save(event.pubkey, { id: event.id, created_at: event.created_at, follows: followsOf(event) });
    });
  }

  /** The author's handle (verified NIP-05, else name + fingerprint) and the names of the people it tags. */
  private async namesFor(event: NostrEvent): Promise<Pick<InboundContext, 'verifiedNip05' | 'fallbackHandle' | 'nameOf'>> {
    try {
      if (event.kind === KIND.profile) await this.profiles.observe(event);
      const tagged = event.tags.filter((t) => t[0] === 'p' && /^[0-9a-f]{64}$/.test(t[1] ?? '')).map((t) => t[1]!);
      await this.profiles.prefetch([event.pubkey, ...tagged.slice(0, C.MAX_PREFETCHED_MENTIONS)]);
      const author = await this.profiles.namesOf(event.pubkey);
      return { verifiedNip05: author.verifiedNip05, fallbackHandle: author.fallbackHandle, nameOf: (pk) => this.profiles.nameOf(pk) };
    } catch (err) {
      // Names are presentation: a database hiccup must not stall the stream; the fingerprint alone is still readable.
      this.log.warn('nostr profile lookup failed; using the npub fingerprint', { eventId: event.id, err: (err as Error).message });
      return { fallbackHandle: nostrHandleFor({ pubkey: event.pubkey }).username };
    }
  }

  /**
   * Kind 30023: whether the article's coordinate was bridged before (object_map), so a new version
   * is an edit (post.updated) and not a second post on every other network.
   */
  private async knownCoordinates(event: NostrEvent): Promise<InboundContext['knownCoordinate']> {
    if (event.kind !== KIND.article) return undefined;
    const d = event.tags.find((t) => t[0] === 'd')?.[1] ?? '';
    const coordinate = `${event.kind}:${event.pubkey}:${d}`;
    const rows: unknown[] = await this.opts.ds.query(`SELECT 1 FROM object_map WHERE network = 'nostr' AND native_id = $1 LIMIT 1`, [coordinate]);
    const known = rows.length > 0;
    return (c) => known && c === coordinate;
  }

  /** A raw event from a query, if genuine (same checks as the stream). */
  private verifiedCopy(raw: unknown): NostrEvent | undefined {
    const verdict = this.verifier?.verify(JSON.parse(JSON.stringify(raw)));
    return verdict?.ok ? verdict.event : undefined;
  }

  private async mapAndPublish(r: RelayState, event: NostrEvent, ctx: InboundContext): Promise<void> {
    const { events, ignored } = toEvents(event, ctx);
    const refused = events.length === 0 ? refusalOf(ignored) : undefined;
    if (refused) return this.reject(r, refused, ignored!, event.id);
    if (ignored) {
      ingestOutcomes.inc({ outcome: 'ignored' });
      this.log.debug('nostr event not (fully) mapped', { relay: r.url, eventId: event.id, kind: event.kind, ignored });
    }
    if (events.length === 0) return;
    await this.publish(r, events);
    ingestOutcomes.inc({ outcome: 'published' });
  }

  /** Awaits the bus (durable on resolve); transient failures are retried with backoff until stop. The relay waits meanwhile. */
  private async publish(r: RelayState, events: BridgeEvent[]): Promise<void> {
    const messages = events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) }));
    for (let attempt = 1; ; attempt++) {
      if (this.state !== 'running') throw new Stopped();
      try {
        await this.opts.bus.publish(TOPICS.events, messages);
        return;
      } catch (err) {
        publishFailures.inc();
        const delay = retryDelay(attempt, this.opts.backoff ?? DEFAULT_BACKOFF);
        this.log.warn('publishing nostr events failed; retrying', { relay: r.url, eventId: events[0]!.id, attempt, delayMs: delay, err });
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private reject(r: RelayState, reason: RejectReason | 'unrequested' | 'rate_limited' | 'too_large' | 'invalid_utf8', detail: string, id: unknown): void {
    rejectInput('nostr', reason);
    // Logged once per event (the same forgery tends to come from several relays, or again after a reconnect).
    const eventId = typeof id === 'string' ? id.slice(0, 64) : undefined;
    if (this.rejectLog.add(`${reason}\u0000${eventId ?? detail}\u0000${eventId ? '' : r.url}`))
      this.log.warn('nostr event rejected', { relay: r.url, reason, detail, eventId });
  }

  // --- cursors --------------------------------------------------------------------------------

  private observe(r: RelayState, createdAt: number): void {
    r.cursor.observe(createdAt, nowSeconds());
    r.sinceFlush++;
  }

  /** Writes every relay cursor that moved; one flush at a time. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      for (const r of this.relays.values()) await this.flushRelay(r);
    });
    return this.flushing;
  }

  private async flushRelay(r: RelayState): Promise<void> {
    const value = r.cursor.pending();
    r.sinceFlush = 0;
    if (value === undefined) return;
    try {
      await setCursor(this.opts.ds, C.relayCursorKey(r.url), String(value));
      r.cursor.markStored(value);
    } catch (err) {
      this.log.warn('storing nostr relay cursor failed; will retry', { relay: r.url, err });
    }
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
