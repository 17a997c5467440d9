import type { DataSource } from 'typeorm';
import type { Bus, DeliveredMessage, OutgoingMessage, Subscription } from '../../libs/bus/index.js';
import { publishDeadLetter } from '../../libs/bus/index.js';
import {
  coreTopics,
  outboundTopic,
  parseEvent,
  TOPICS,
  InvalidEventError,
  type BridgeEvent,
  type Network,
  type OutboundCommand,
  type Receipt,
} from '../../libs/events/index.js';
import { batchFailures, commandsOut, createLogger, deadLetters, eventsIn, eventsOutcome, pendingGauge, translateLatency } from '../../libs/observability/index.js';
import { commandJson, EventJsonCache } from './command-json.js';
import { holdDeadline, translate, type Outcome } from './translate.js';
import { TranslatorRepository, type BatchWrite, type PendingRow } from './translator.repository.js';
import type { BridgePolicy, TranslationContext } from './translation-context.js';

const log = createLogger('translator');

/** Held events re-decided per sweep. */
const SWEEP_PAGE = 1000;

export interface TranslatorOptions {
  partitions: number;
  pendingTimeoutMs: number;
  /**
   * How long a reply or quote waits for a parent never seen whose author is unknown before it goes
   * as a post of its own linking the parent (parent-rule.ts; default pendingTimeoutMs).
   */
  unseenParentWaitMs?: number;
  /** How often held events past their deadline are dead-lettered. */
  sweepIntervalMs?: number;
  /** Processed-event ids older than this many days are forgotten (default 30). */
  processedRetentionDays?: number;
  /** How long the admin policy is cached (it is read on every batch otherwise). */
  policyTtlMs?: number;
  groupId?: string;
  /** PONTIS_OPT_OUT_TAGS: posts with one of these hashtags are not bridged (default: nobridge). */
  optOutTags?: readonly string[];
}

export interface TranslatorStats {
  eventsIn: number;
  commandsOut: number;
  dropped: number;
  held: number;
  invalid: number;
  released: number;
  expired: number;
  /** Replies and quotes sent without their parent (linking it) after their wait ended. */
  linked: number;
}

/**
 * Consumes bridge.events.v1 and bridge.receipts.v1, decides with the pure translate(), and
 * produces bridge.outbound.<network>.v1. Order of effects per batch: commands on the bus first,
 * then the ledger in one transaction, then the offset commit (the bus does that when the handler
 * resolves). A crash anywhere replays the batch; the ledger and the adapters' command-id check
 * make the replay harmless.
 */
export class TranslatorService {
  private subs: Subscription[] = [];
  private sweeper?: NodeJS.Timeout;
  /** Where the next sweep page starts (pending_events.id). */
  private sweepAfter = '0';
  private policy?: { value: BridgePolicy; at: number };
  readonly stats: TranslatorStats = { eventsIn: 0, commandsOut: 0, dropped: 0, held: 0, invalid: 0, released: 0, expired: 0, linked: 0 };
  private readonly repo: TranslatorRepository;
  private readonly eventJson = new EventJsonCache();

  constructor(
    private readonly bus: Bus,
    ds: DataSource,
    private readonly opts: TranslatorOptions,
  ) {
    this.repo = new TranslatorRepository(ds);
  }

  static topics(partitions: number) {
    return coreTopics().map((topic) => ({ topic, partitions }));
  }

  async start(): Promise<void> {
    await this.bus.ensureTopics(TranslatorService.topics(this.opts.partitions));
    const groupId = this.opts.groupId ?? 'pontis-translator';
    this.subs.push(await this.bus.subscribe({ groupId, topics: [TOPICS.events], handleBatch: (m) => this.retried('events', m, () => this.onEvents(m)) }));
    this.subs.push(
      await this.bus.subscribe({ groupId: `${groupId}-receipts`, topics: [TOPICS.receipts], handleBatch: (m) => this.retried('receipts', m, () => this.onReceipts(m)) }),
    );
    const every = this.opts.sweepIntervalMs ?? 15_000;
    this.sweeper = setInterval(() => void this.sweep().catch((err) => log.warn('sweep failed; will retry', { err })), every);
    this.sweeper.unref();
    pendingGauge.set(await this.repo.pendingCount());
    log.info('translator started', { groupId, partitions: this.opts.partitions });
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(this.subs.map((s) => s.stop()));
    this.subs = [];
  }

  /** A failed batch is offered again by the bus; say so, once per failure, with where it stands. */
  private async retried(consumer: string, messages: DeliveredMessage[], handle: () => Promise<void>): Promise<void> {
    try {
      await handle();
    } catch (err) {
      batchFailures.inc({ consumer });
      const first = messages[0];
      log.warn('batch failed; the bus will offer it again', { consumer, partition: first?.partition, offset: first?.offset, size: messages.length, err: (err as Error).message });
      throw err;
    }
  }

  async pendingCount(): Promise<number> {
    return this.repo.pendingCount();
  }

  private async currentPolicy(): Promise<BridgePolicy> {
    const ttl = this.opts.policyTtlMs ?? 2_000;
    if (!this.policy || Date.now() - this.policy.at > ttl) this.policy = { value: { ...(await this.repo.loadPolicy()), ...(this.opts.optOutTags ? { optOutTags: this.opts.optOutTags } : {}) }, at: Date.now() };
    return this.policy.value;
  }

  /** One partition's batch of events. Throws only for transient failures (the bus retries the batch). */
  async onEvents(messages: DeliveredMessage[]): Promise<void> {
    const end = translateLatency.startTimer();
    const write = emptyWrite();
    const events: BridgeEvent[] = [];
    for (const msg of messages) {
      try {
        const raw = msg.value.toString('utf8');
        const event = parseEvent(raw);
        this.eventJson.set(event, raw);
        events.push(event);
        eventsIn.inc({ network: event.actor.network, type: event.type });
      } catch (err) {
        if (!(err instanceof InvalidEventError)) throw err;
        await this.rejectInvalid(msg, err, write);
      }
    }
    const policy = await this.currentPolicy();
    if (policy.defaultConsent === 'opt-out') await this.repo.ensureAccounts(events.map((e) => e.actor));
    const ctx = await this.loadContext(events, policy);
    for (const event of events) this.collect(translate(event, ctx), write, ctx);
    await this.apply(write);
    this.stats.eventsIn += events.length;
    end();
    // What was just seen may be what earlier events were waiting for.
    if (write.originals.length) await this.release(await this.repo.pendingFor(write.originals.map((o) => o.ref), []));
  }

  /** Adapters' receipts: record the copy, then release whatever waited for it. */
  async onReceipts(messages: DeliveredMessage[]): Promise<void> {
    for (const msg of messages) {
      let receipt: Receipt;
      try {
        receipt = JSON.parse(msg.value.toString('utf8')) as Receipt;
        if (receipt?.v !== 1 || typeof receipt.commandId !== 'string' || typeof receipt.objectKey !== 'string') throw new Error('not a v1 receipt');
      } catch (err) {
        await publishDeadLetter(this.bus, { topic: msg.topic, key: msg.key, value: msg.value, reason: `invalid receipt: ${(err as Error).message}`, source: 'validation' });
        deadLetters.inc({ source: 'validation' });
        continue;
      }
      await this.repo.recordReceipt(receipt);
      // Every target: a reply made on `receipt.network` to this copy waited for the copy to be
      // seen, and is headed elsewhere; held events still blocked simply stay held.
      // A final status of any kind settles what waited on this object: a delivered copy releases it,
      // a skip or give-up turns the wait into a skip ("not bridged there").
      await this.release(await this.repo.pendingFor([], [receipt.objectKey]));
    }
  }

  private async loadContext(events: BridgeEvent[], policy: BridgePolicy) {
    const ctx = await this.repo.loadContext(events, policy, this.opts.pendingTimeoutMs);
    if (this.opts.unseenParentWaitMs !== undefined) ctx.unseenParentWaitMs = this.opts.unseenParentWaitMs;
    return ctx;
  }

  /** Re-decides held (event, target) pairs with fresh state. */
  async release(rows: PendingRow[]): Promise<void> {
    if (!rows.length) return;
    const ctx = await this.loadContext(rows.map((r) => r.event), await this.currentPolicy());
    const write = emptyWrite();
    for (const row of rows) {
      const outcome = translate(row.event, ctx, row.target);
      const stillHeld = outcome.kind === 'translated' && outcome.holds.length > 0;
      if (!stillHeld) {
        write.released.push({ eventId: row.eventId, target: row.target });
        this.stats.released++;
      }
      if (outcome.kind === 'translated') {
        write.commands.push(...outcome.commands);
        // A hold that changed what it waits for (the parent arrived but is still in flight) keeps its deadline semantics.
        for (const hold of outcome.holds) write.holds.push({ hold, event: row.event, deadline: holdDeadline(ctx, hold) });
        for (const s of outcome.skips) eventsOutcome.inc({ outcome: 'skipped', reason: s.reason });
      } else eventsOutcome.inc({ outcome: 'dropped', reason: outcome.reason });
    }
    await this.apply(write);
  }

  /**
   * The periodic pass: re-decide held events whose wait is over, then expire the overdue. Pages
   * through the held events (keyset on id, wrapping around) so rows that stay held cannot keep
   * newer ones from ever being looked at.
   */
  async sweep(): Promise<void> {
    const page = await this.repo.pendingWithKnownWait(this.sweepAfter, SWEEP_PAGE);
    this.sweepAfter = page.length < SWEEP_PAGE ? '0' : page[page.length - 1]!.id!;
    await this.release(page);
    await this.sweepExpired();
    const days = this.opts.processedRetentionDays ?? 30;
    await this.repo.pruneProcessed(new Date(Date.now() - days * 86_400_000));
  }

  /**
   * Held events past their deadline. A reply or quote goes now without its parent, linking it
   * (parent-rule.ts); what else never came (a like's post, an undo's object) is dead-lettered
   * with the reason it waited for.
   */
  async sweepExpired(): Promise<number> {
    const rows = await this.repo.expiredHeld();
    if (!rows.length) return 0;
    const write = emptyWrite();
    write.released.push(...rows.map((r) => ({ eventId: r.eventId, target: r.target })));
    const ctx = await this.loadContext(rows.map((r) => r.event), await this.currentPolicy());
    for (const row of rows) {
      const outcome = translate(row.event, ctx, row.target, { parentsGivenUp: true });
      if (outcome.kind === 'translated' && outcome.commands.length && !outcome.holds.length) {
        write.commands.push(...outcome.commands);
        this.stats.linked++;
        eventsOutcome.inc({ outcome: 'bridged', reason: 'parent-linked' });
        log.info('sent without its parent, linking it', { eventId: row.eventId, target: row.target, waited: row.reason });
        continue;
      }
      const reason = `gave up after ${Math.round(this.opts.pendingTimeoutMs / 1000)} s ${row.reason}`;
      await publishDeadLetter(this.bus, { topic: TOPICS.events, key: row.event.actor.id, value: JSON.stringify(row.event), reason, source: 'pending-timeout' });
      write.deadLetters.push({ topic: TOPICS.events, key: row.event.actor.id, payload: JSON.stringify({ target: row.target, event: row.event }), reason, source: 'pending-timeout', eventId: row.eventId });
      deadLetters.inc({ source: 'pending-timeout' });
      log.warn('held event expired', { eventId: row.eventId, target: row.target, reason });
      this.stats.expired++;
    }
    await this.apply(write);
    pendingGauge.set(await this.repo.pendingCount());
    return rows.length;
  }

  private collect(outcome: Outcome, write: BatchWrite, ctx: TranslationContext): void {
    const { event } = outcome;
    if (outcome.block) (write.blocks ??= []).push(outcome.block);
    if (outcome.kind === 'translated' && outcome.report) (write.reports ??= []).push(outcome.report);
    if (outcome.kind === 'drop') {
      this.stats.dropped++;
      eventsOutcome.inc({ outcome: 'dropped', reason: outcome.reason });
      // A duplicate was recorded the first time; re-recording it would overwrite the real outcome.
      if (outcome.reason !== 'duplicate') write.processed.push({ eventId: event.id, outcome: 'dropped', reason: outcome.reason });
      if (outcome.reason !== 'duplicate' && outcome.reason !== 'echo') log.debug('event not bridged', { eventId: event.id, reason: outcome.reason });
      return;
    }
    if (outcome.original) write.originals.push(outcome.original);
    write.commands.push(...outcome.commands);
    for (const hold of outcome.holds) {
      write.holds.push({ hold, event, deadline: holdDeadline(ctx, hold) });
      this.stats.held++;
      eventsOutcome.inc({ outcome: 'held', reason: 'waiting-for-target' });
    }
    for (const skip of outcome.skips) eventsOutcome.inc({ outcome: 'skipped', reason: skip.reason });
    write.processed.push({ eventId: event.id, outcome: outcome.commands.length ? 'bridged' : outcome.holds.length ? 'held' : 'dropped', reason: null });
  }

  private async rejectInvalid(msg: DeliveredMessage, err: InvalidEventError, write: BatchWrite): Promise<void> {
    this.stats.invalid++;
    deadLetters.inc({ source: 'validation' });
    await publishDeadLetter(this.bus, { topic: msg.topic, key: msg.key, value: msg.value, reason: err.message, source: 'validation' });
    write.deadLetters.push({ topic: msg.topic, key: msg.key, payload: msg.value.toString('utf8').slice(0, 64_000), reason: err.message, source: 'validation', eventId: null });
    log.warn('invalid event dead-lettered', { topic: msg.topic, partition: msg.partition, offset: msg.offset, reason: err.message });
  }

  /** Commands first (acks=all), then the ledger; see the class comment for why this order. */
  private async apply(write: BatchWrite): Promise<void> {
    if (write.commands.length) {
      const byTopic = new Map<Network, OutgoingMessage[]>();
      for (const c of write.commands) {
        const list = byTopic.get(c.target) ?? [];
        list.push({ key: commandKey(c), value: commandJson(c, this.eventJson.get(c.event)), headers: { 'x-event-id': c.eventId, 'x-event-type': c.event.type } });
        byTopic.set(c.target, list);
      }
      await this.bus.publishAll([...byTopic].map(([target, messages]) => ({ topic: outboundTopic(target), messages })));
      for (const c of write.commands) commandsOut.inc({ target: c.target, type: c.event.type });
      this.stats.commandsOut += write.commands.length;
    }
    // Before the batch is marked processed: a crash in between replays the batch, and a block or
    // report already marked processed would be dropped as a duplicate without being recorded.
    await this.repo.recordModeration(write.blocks ?? [], write.reports ?? []);
    await this.repo.write(write);
  }
}

/** One account's commands for one network stay in order: key by the identity we publish as. */
function commandKey(c: OutboundCommand): string {
  return c.as.accountId || c.event.actor.id;
}

function emptyWrite(): BatchWrite {
  return { originals: [], commands: [], holds: [], released: [], processed: [], deadLetters: [] };
}
