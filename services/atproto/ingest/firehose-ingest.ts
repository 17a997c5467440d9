import type { IdResolver } from '@atproto/identity';
import { createIdResolver } from '../identity/id-resolver.js';
import { Firehose, FirehoseHandlerError, FirehoseParseError, FirehoseSubscriptionError, FirehoseValidationError, type Event } from '@atproto/sync';
import type { DataSource } from 'typeorm';
import { sleep } from '../../../libs/bus/backoff.js';
import type { Bus } from '../../../libs/bus/index.js';
import { DEFAULT_ATPROTO_FLOOD_LIMIT } from '../../../libs/config/index.js';
import { EVENT_SCHEMA_VERSION, TOPICS, type BridgeEvent } from '../../../libs/events/index.js';
import { createLogger, rejectInput, type Logger } from '../../../libs/observability/index.js';
import { getCursor, isDatabaseUnavailable, setCursor } from '../../../libs/store/index.js';
import { COLLECTION, COLLECTIONS, toEvents, type RepoOp } from '../mapping/index.js';
import { toLexJson } from '../mapping/lex-json.js';
import { atprotoFirehoseEvents, atprotoFirehoseQueued } from '../metrics.js';
import { countNeutralised } from './record-checks.js';
import { CursorRunner } from './cursor-runner.js';
import { BoundedDidCache, forgetOnIdentity } from './did-cache.js';
import { IngestBatch } from './ingest-batch.js';
import { useNativeSignatureChecks } from './native-signature.js';
import { readOnlyWhenRoom } from './firehose-backpressure.js';
import { retryTransientResolution } from './resolution-retry.js';
import { skipUnwatchedValidation } from './firehose-prefilter.js';
import { verifyCommitsInOnePass } from './one-pass-commits.js';
import { FloodGate, StreamClock, type FloodPolicy } from './flood-gate.js';
import { WatchList } from './watch-list.js';
import { botCommitFilter, botSignalOf } from '../bot/bot-commit.js';

export interface FirehoseIngestOptions {
  bus: Bus;
  ds: DataSource;
  /** ws(s):// of a relay or of a PDS (subscribeRepos). */
  service: string;
  plcUrl: string;
  /** How a blob is fetched (the author's PDS getBlob); ingest knows our PDS. */
  blobUrl: (did: string, cid: string) => string;
  /** The cursor's row in `cursors`. */
  cursorName?: string;
  watchRefreshMs?: number;
  logger?: Logger;
  idResolver?: IdResolver;
  /** Loopback PLC/PDS (tests, sandbox): see createIdResolver. */
  allowPrivateAddresses?: boolean;
  /** Our PDS (dev handles are resolved through it when allowPrivateAddresses). */
  pdsUrl?: string;
  /** Bounds on queued events (all repos / one repo) before the socket stops being read. */
  maxInFlight?: number;
  maxPerDid?: number;
  /** The bridge's bot (bot/bluesky-bot.ts): follows and blocks of it are read from every repo, watched or not. */
  bot?: { did: string; onSignal(did: string, kind: 'follow' | 'block', seq: number): Promise<void> };
  /** DID documents kept for commit verification (default 50,000; see did-cache.ts). */
  didCacheSize?: number;
  /**
   * Commits one watched repo may send (token bucket per DID; default DEFAULT_ATPROTO_FLOOD_LIMIT of libs/config);
   * beyond it its commits are skipped, not bridged, counted as reason="flood". null: no limit.
   */
  floodLimit?: FloodPolicy | null;
}

/**
 * Verified firehose ingest: @atproto/sync's Firehose (commit signatures and MST proofs checked
 * against the DID's key, handles checked against the DID document; never unauthenticated),
 * records of watched DIDs mapped to events and handed to the bus, one queue per DID, the cursor
 * in Postgres moved only past what is on the bus (CursorRunner). Bus messages and kept records
 * are written in batches (IngestBatch): one publish and one statement for whatever arrived while
 * the previous batch was written. A bad commit, an invalid record or a failed mapping is counted
 * and logged, and the stream goes on.
 */
export class FirehoseIngest {
  readonly watch: WatchList;
  private firehose?: Firehose;
  private runner?: CursorRunner;
  private readonly log: Logger;
  private readonly cursorName: string;
  private running?: Promise<void>;
  private stopping = false;
  /** An event was not handed to the bus because we are stopping: the cursor must not move past it. */
  private cutShort = false;
  private killed = false;
  private lastError?: string;
  private readonly idResolver: IdResolver;
  /** Seqs of unwatched commits the pre-filter let through for the bot (bounded: cleared if it grows). */
  private readonly botCandidates = new Set<number>();
  private readonly didCache?: BoundedDidCache;
  private readonly batch: IngestBatch;
  private readonly flood: FloodGate | null;
  /** Seqs of watched commits refused by the flood limit, until the runner passes over them (bounded as botCandidates). */
  private readonly flooded = new Set<number>();
  private readonly streamClock = new StreamClock();

  constructor(private readonly o: FirehoseIngestOptions) {
    this.log = o.logger ?? createLogger('atproto-ingest');
    this.cursorName = o.cursorName ?? `atproto.firehose:${o.service}`;
    this.watch = new WatchList(o.ds, { refreshMs: o.watchRefreshMs });
    this.idResolver = o.idResolver ?? createIdResolver(o.plcUrl, o.allowPrivateAddresses ?? false, o.pdsUrl);
    // Without one, every verified commit fetches its DID document (did-cache.ts).
    if (!this.idResolver.did.cache) this.idResolver.did.cache = this.didCache = new BoundedDidCache(o.didCacheSize);
    // A directory that times out must delay a commit, not cost it (resolution-retry.ts).
    retryTransientResolution(this.idResolver, {
      stopping: () => this.stopping,
      onRetry: (did, attempt, err) => {
        this.lastError = `DID resolution: ${err.message}`;
        this.log.warn('DID resolution failed, asking again', { did, attempt, err: err.message });
      },
    });
    this.flood = o.floodLimit === null ? null : new FloodGate(o.floodLimit ?? DEFAULT_ATPROTO_FLOOD_LIMIT);
    this.batch = new IngestBatch({
      bus: o.bus,
      ds: o.ds,
      topic: TOPICS.events,
      log: this.log,
      stopping: () => this.stopping,
      killed: () => this.killed,
      onCutShort: () => (this.cutShort = true),
      onPublished: (n) => atprotoFirehoseEvents.inc({ outcome: 'published' }, n),
      onRetry: (err) => (this.lastError = err.message),
    });
  }

  async start(): Promise<void> {
    useNativeSignatureChecks();
    this.stopping = false;
    this.killed = false;
    this.cutShort = false;
    await this.watch.start();
    const stored = await getCursor(this.o.ds, this.cursorName);
    this.runner = new CursorRunner({
      startCursor: stored === null ? undefined : Number(stored),
      isWatched: (did, seq) => this.watch.isWatched(did) || this.botCandidates.delete(seq),
      skip: (_did, seq) => this.flooded.delete(seq),
      setCursor: (seq) => setCursor(this.o.ds, this.cursorName, String(seq)),
      settled: () => this.batch.settled(),
      onUnwatched: () => atprotoFirehoseEvents.inc({ outcome: 'unwatched' }),
      frozen: () => this.cutShort,
      maxInFlight: this.o.maxInFlight,
      maxPerDid: this.o.maxPerDid,
    });
    this.firehose = new Firehose({
      service: this.o.service,
      idResolver: this.idResolver,
      runner: this.runner,
      filterCollections: [...COLLECTIONS],
      unauthenticatedCommits: false,
      unauthenticatedHandles: false,
      excludeSync: true,
      handleEvent: (evt) => this.handleUntilStored(evt),
      onError: (err) => this.onError(err),
      subscriptionReconnectDelay: 1_000,
    });
    // Watched commits are verified in one pass over their CAR (one-pass-commits.ts): same verdict, about half the CPU per commit (docs/BENCHMARKS.md).
    verifyCommitsInOnePass(this.firehose, { idResolver: this.idResolver, collections: COLLECTIONS, onError: (err) => this.onError(err) });
    const runner = this.runner;
    // Before the gate: it replaces the subscription the pre-filter reaches into.
    const forBot = this.o.bot && botCommitFilter(this.o.bot.did);
    skipUnwatchedValidation(this.firehose, (did, seq, time) => this.watch.isWatched(did) && this.admit(did, seq, time), forBot && ((commit) => {
      if (this.flooded.has(commit.seq) || !forBot(commit)) return false;
      if (this.botCandidates.size > 10_000) this.botCandidates.clear();
      this.botCandidates.add(commit.seq);
      return true;
    }));
    if (this.didCache) forgetOnIdentity(this.firehose, this.didCache);
    readOnlyWhenRoom(this.firehose, () => {
      atprotoFirehoseQueued.set(runner.inFlight);
      return runner.roomForMore();
    });
    this.running = this.firehose.start();
    this.log.info('firehose ingest started', { service: this.o.service, cursor: stored, watched: this.watch.size });
  }

  /**
   * The per-repo flood limit, decided as the commit arrives (before it is validated, verified or
   * queued), in the firehose's time (StreamClock: a catch-up is not a flood): over it, the commit is passed over as an unwatched one would be (the cursor moves on:
   * the firehose is a stream, so it is not bridged, ever), counted, and logged once per window.
   */
  private admit(did: string, seq: number, time: string | undefined): boolean {
    if (!this.flood) return true;
    const verdict = this.flood.admit(did, this.streamClock.tick(time, Date.now()));
    if (verdict.admitted) return true;
    if (this.flooded.size > 10_000) this.flooded.clear();
    this.flooded.add(seq);
    rejectInput('atproto', 'flood');
    if (verdict.log) this.log.warn('repo over the firehose flood limit: its commits are skipped, not bridged', { did, seq, skippedSinceLastLine: verdict.skippedSinceLog, perMinute: this.flood.policy.perMinute, burst: this.flood.policy.burst });
    return false;
  }

  /** Graceful: finish queued events, save the cursor, close the socket. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.firehose?.destroy();
    await this.runner?.stop();
    await this.running;
    this.watch.stop();
  }

  /** Abrupt, as a crash would be: the socket closes, queued events are dropped, the cursor is left where it was. */
  async kill(): Promise<void> {
    this.stopping = true;
    this.killed = true;
    this.runner?.kill();
    await this.firehose?.destroy();
    this.watch.stop();
  }

  /** Queued events now and at most so far (tests, health). */
  queued(): { now: number; peak: number } {
    return { now: this.runner?.inFlight ?? 0, peak: this.runner?.peak ?? 0 };
  }

  /** The seq every event up to has been handled and is on the bus (benches, tests). */
  position(): number | undefined {
    return this.runner?.getCursor();
  }

  /** Test hook: wait until queued events are handled. */
  drain(): Promise<void> {
    return this.runner?.drain() ?? Promise.resolve();
  }

  health(): { ok: boolean; detail: string } {
    return { ok: !this.lastError, detail: `firehose ${this.o.service}, ${this.watch.size} watched, ${this.runner?.inFlight ?? 0} queued, cursor ${this.runner?.getCursor() ?? 'none'}${this.lastError ? `; last error: ${this.lastError}` : ''}` };
  }

  /**
   * The database away for a moment (PostgreSQL restarting) is not bad input: the event is handled
   * again until it goes through. Passed to onError instead, the Firehose moved on and the cursor
   * passed the event: lost (seen in the fault stream, docs/FAULTS.md). Other errors still reject it.
   */
  private async handleUntilStored(evt: Event): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.handle(evt);
      } catch (err) {
        if (this.stopping || !isDatabaseUnavailable(err)) throw err;
        this.lastError = `database: ${(err as Error).message}`;
        this.log.warn('handling a firehose event failed, database away; retrying', { seq: evt.seq, attempt, err: (err as Error).message });
        await sleep(Math.min(30_000, 200 * 2 ** attempt));
      }
    }
  }

  private async handle(evt: Event): Promise<void> {
    if (evt.event === 'identity') return this.onIdentity(evt.did, evt.handle, evt.seq);
    if (evt.event === 'account') return this.onAccount(evt.did, evt.active, evt.status, evt.seq, evt.time);
    if (evt.event === 'sync') return;
    const op: RepoOp = {
      action: evt.event,
      did: evt.did,
      collection: evt.collection,
      rkey: evt.rkey,
      time: evt.time,
      ...(evt.event !== 'delete' ? { cid: evt.cid.toString(), record: toLexJson(evt.record) } : {}),
    };
    const botSignal = this.o.bot && botSignalOf(op, this.o.bot.did);
    if (botSignal) {
      await this.o.bot!.onSignal(op.did, botSignal, evt.seq);
      // Not bridged: the bot has no identity elsewhere. Kept for a watched repo, so a later delete is understood.
      if (this.watch.isWatched(op.did)) this.keep(op);
      return;
    }
    // An unwatched repo's commit let through for the bot that was about someone else.
    if (!this.watch.isWatched(op.did)) return;
    if (op.record) countNeutralised(op.collection, op.record);
    const key = { did: op.did, collection: op.collection, rkey: op.rkey };
    const kept = op.action === 'delete' ? await this.batch.kept(key) : undefined;
    const result = toEvents(op, {
      isBridged: (did) => this.watch.isBridged(did),
      handle: this.watch.handleOf(op.did),
      blobUrl: this.o.blobUrl,
      permalink: (did, rkey) => `https://bsky.app/profile/${did}/post/${rkey}`,
      kept,
    });
    if (!result.events.length) {
      const invalid = result.ignored?.startsWith('invalid ');
      if (invalid) rejectInput('atproto', 'invalid_record');
      else atprotoFirehoseEvents.inc({ outcome: 'ignored' });
      this.log[invalid ? 'warn' : 'debug']('firehose record not bridged', { did: op.did, path: `${op.collection}/${op.rkey}`, seq: evt.seq, reason: result.ignored });
      this.keep(op);
      return;
    }
    const echo = result.events.every((e) => e.trace.bridged);
    if (echo) {
      atprotoFirehoseEvents.inc({ outcome: 'echo' });
      return;
    }
    this.publish(result.events);
    this.keep(op);
  }

  /**
   * Handed to the batch, which retries the bus until it takes them (or we stop, and the event is
   * seen again); the runner counts the event finished only once the batch is written.
   */
  private publish(events: BridgeEvent[]): void {
    this.batch.publish(events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
  }

  /** What a later delete will need: the record's CID, and whom a follow or block was about. */
  private keep(op: RepoOp): void {
    const key = { did: op.did, collection: op.collection, rkey: op.rkey };
    if (op.action === 'delete') return this.batch.forget(key);
    const subject = (op.collection === COLLECTION.follow || op.collection === COLLECTION.block) ? (op.record as { subject?: unknown })?.subject : undefined;
    this.batch.keep(key, op.cid ?? null, typeof subject === 'string' ? subject : null);
  }

  /** #identity: the handle was verified against the DID document by the Firehose (unauthenticatedHandles false). */
  private async onIdentity(did: string, handle: string | undefined, seq: number): Promise<void> {
    atprotoFirehoseEvents.inc({ outcome: 'identity' });
    if (!handle) return;
    await this.o.ds.query(`UPDATE identities SET handle = $2 WHERE network = 'atproto' AND native_id = $1 AND kind = 'native'`, [did, handle]);
    this.watch.setHandle(did, handle);
    this.log.info('handle changed', { did, handle, seq });
  }

  /**
   * #account: deleted or taken down → account.deleted (the other networks remove the copies);
   * deactivated or suspended → nothing bridged while it lasts (its commits stop anyway), logged.
   */
  private async onAccount(did: string, active: boolean, status: string | undefined, seq: number, time: string): Promise<void> {
    atprotoFirehoseEvents.inc({ outcome: 'account' });
    this.log.info('account status', { did, active, status, seq });
    if (active || (status !== 'deleted' && status !== 'takendown')) return;
    const event: BridgeEvent = {
      v: EVENT_SCHEMA_VERSION,
      id: `atproto:${did}#account-${status}-${seq}`,
      type: 'account.deleted',
      occurredAt: new Date(Date.parse(time) || Date.now()).toISOString(),
      source: { network: 'atproto', id: `${did}#account-${status}` },
      actor: { network: 'atproto', id: did },
      trace: { origin: 'atproto', hops: 0 },
    };
    if (this.watch.isBridged(did)) return;
    this.publish([event]);
  }

  private onError(err: Error): void {
    const reason =
      err instanceof FirehoseParseError ? 'bad_commit' : err instanceof FirehoseValidationError ? 'bad_frame' : err instanceof FirehoseHandlerError ? 'handler' : err instanceof FirehoseSubscriptionError ? 'subscription' : 'other';
    if (reason === 'handler' && this.stopping) return;
    rejectInput('atproto', reason);
    this.lastError = `${reason}: ${err.message}`;
    this.log.warn('firehose input rejected', { reason, err: err.message, cause: (err.cause as Error | undefined)?.message });
  }
}
