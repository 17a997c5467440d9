import type { IdResolver } from '@atproto/identity';
import { createIdResolver } from '../identity/id-resolver.js';
import { Firehose, FirehoseHandlerError, FirehoseParseError, FirehoseSubscriptionError, FirehoseValidationError, type Event } from '@atproto/sync';
import type { DataSource } from 'typeorm';
import { sleep } from '../../../libs/bus/backoff.js';
import type { Bus } from '../../../libs/bus/index.js';
import { EVENT_SCHEMA_VERSION, TOPICS, type BridgeEvent } from '../../../libs/events/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import { getCursor, isDatabaseUnavailable, setCursor } from '../../../libs/store/index.js';
import { COLLECTION, COLLECTIONS, toEvents, type KeptRecord, type RepoOp } from '../mapping/index.js';
import { toLexJson } from '../mapping/lex-json.js';
import { atprotoFirehoseEvents, atprotoFirehoseQueued, atprotoFirehoseRejected } from '../metrics.js';
import { CursorRunner } from './cursor-runner.js';
import { useNativeSignatureChecks } from './native-signature.js';
import { readOnlyWhenRoom } from './firehose-backpressure.js';
import { skipUnwatchedValidation } from './firehose-prefilter.js';
import { WatchList } from './watch-list.js';

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
}

/**
 * Verified firehose ingest: @atproto/sync's Firehose (commit signatures and MST proofs checked
 * against the DID's key, handles checked against the DID document; never unauthenticated),
 * records of watched DIDs mapped to events and handed to the bus, one queue per DID, the cursor
 * in Postgres moved only past what is on the bus (CursorRunner). A bad commit, an invalid
 * record or a failed mapping is counted and logged, and the stream goes on.
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
  private lastError?: string;
  private readonly idResolver: IdResolver;

  constructor(private readonly o: FirehoseIngestOptions) {
    this.log = o.logger ?? createLogger('atproto-ingest');
    this.cursorName = o.cursorName ?? `atproto.firehose:${o.service}`;
    this.watch = new WatchList(o.ds, { refreshMs: o.watchRefreshMs });
    this.idResolver = o.idResolver ?? createIdResolver(o.plcUrl, o.allowPrivateAddresses ?? false, o.pdsUrl);
  }

  async start(): Promise<void> {
    useNativeSignatureChecks();
    this.stopping = false;
    this.cutShort = false;
    await this.watch.start();
    const stored = await getCursor(this.o.ds, this.cursorName);
    this.runner = new CursorRunner({
      startCursor: stored === null ? undefined : Number(stored),
      isWatched: (did) => this.watch.isWatched(did),
      setCursor: (seq) => setCursor(this.o.ds, this.cursorName, String(seq)),
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
    const runner = this.runner;
    // Before the gate: it replaces the subscription the pre-filter reaches into.
    skipUnwatchedValidation(this.firehose, (did) => this.watch.isWatched(did));
    readOnlyWhenRoom(this.firehose, () => {
      atprotoFirehoseQueued.set(runner.inFlight);
      return runner.roomForMore();
    });
    this.running = this.firehose.start();
    this.log.info('firehose ingest started', { service: this.o.service, cursor: stored, watched: this.watch.size });
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
    this.runner?.kill();
    await this.firehose?.destroy();
    this.watch.stop();
  }

  /** Queued events now and at most so far (tests, health). */
  queued(): { now: number; peak: number } {
    return { now: this.runner?.inFlight ?? 0, peak: this.runner?.peak ?? 0 };
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
    const kept = op.action === 'delete' ? await this.kept(op) : undefined;
    const result = toEvents(op, {
      isBridged: (did) => this.watch.isBridged(did),
      handle: this.watch.handleOf(op.did),
      blobUrl: this.o.blobUrl,
      permalink: (did, rkey) => `https://bsky.app/profile/${did}/post/${rkey}`,
      kept,
    });
    if (!result.events.length) {
      const invalid = result.ignored?.startsWith('invalid ');
      if (invalid) atprotoFirehoseRejected.inc({ reason: 'invalid_record' });
      else atprotoFirehoseEvents.inc({ outcome: 'ignored' });
      this.log[invalid ? 'warn' : 'debug']('firehose record not bridged', { did: op.did, path: `${op.collection}/${op.rkey}`, seq: evt.seq, reason: result.ignored });
      await this.keep(op);
      return;
    }
    const echo = result.events.every((e) => e.trace.bridged);
    if (echo) {
      atprotoFirehoseEvents.inc({ outcome: 'echo' });
      return;
    }
    await this.publish(result.events, evt.seq);
    await this.keep(op);
  }

  /** The bus must take it before the cursor moves: retried until it does (or we stop, and the event is seen again). */
  private async publish(events: BridgeEvent[], seq: number): Promise<void> {
    const messages = events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) }));
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) {
        this.cutShort = true;
        throw new Error('stopping: the event will be read again from the cursor');
      }
      try {
        await this.o.bus.publish(TOPICS.events, messages);
        atprotoFirehoseEvents.inc({ outcome: 'published' }, events.length);
        return;
      } catch (err) {
        this.lastError = `bus: ${(err as Error).message}`;
        this.log.warn('publishing firehose events failed; retrying', { seq, attempt, err: (err as Error).message });
        await sleep(Math.min(30_000, 200 * 2 ** attempt));
      }
    }
  }

  /** What a later delete will need: the record's CID, and whom a follow or block was about. */
  private async keep(op: RepoOp): Promise<void> {
    if (op.action === 'delete') {
      await this.o.ds.query(`DELETE FROM atproto_records WHERE did = $1 AND collection = $2 AND rkey = $3`, [op.did, op.collection, op.rkey]);
      return;
    }
    const subject = (op.collection === COLLECTION.follow || op.collection === COLLECTION.block) ? (op.record as { subject?: unknown })?.subject : undefined;
    await this.o.ds.query(
      `INSERT INTO atproto_records (did, collection, rkey, cid, subject) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (did, collection, rkey) DO UPDATE SET cid = EXCLUDED.cid, subject = COALESCE(EXCLUDED.subject, atproto_records.subject)`,
      [op.did, op.collection, op.rkey, op.cid ?? null, typeof subject === 'string' ? subject : null],
    );
  }

  private async kept(op: RepoOp): Promise<KeptRecord | undefined> {
    const rows: { cid: string | null; subject: string | null }[] = await this.o.ds.query(
      `SELECT cid, subject FROM atproto_records WHERE did = $1 AND collection = $2 AND rkey = $3`,
      [op.did, op.collection, op.rkey],
    );
    const r = rows[0];
    return r ? { ...(r.cid ? { cid: r.cid } : {}), ...(r.subject ? { subject: r.subject } : {}) } : undefined;
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
    await this.publish([event], seq);
  }

  private onError(err: Error): void {
    const reason =
      err instanceof FirehoseParseError ? 'bad_commit' : err instanceof FirehoseValidationError ? 'bad_frame' : err instanceof FirehoseHandlerError ? 'handler' : err instanceof FirehoseSubscriptionError ? 'subscription' : 'other';
    if (reason === 'handler' && this.stopping) return;
    atprotoFirehoseRejected.inc({ reason });
    this.lastError = `${reason}: ${err.message}`;
    this.log.warn('firehose input rejected', { reason, err: err.message, cause: (err.cause as Error | undefined)?.message });
  }
}
