import type { DataSource } from 'typeorm';
import { publishDeadLetter, type Bus, type DeliveredMessage, type Subscription } from '../bus/index.js';
import { sleep } from '../bus/backoff.js';
import { outboundTopic, parkedTopic, TOPICS, type Network, type ObjectRef, type OutboundCommand, type Receipt } from '../events/index.js';
import { createLogger, deadLetters, type Logger } from '../observability/index.js';
import { laneOf } from './command-lane.js';
import { InvalidCommandError, parseCommand } from './command-validation.js';
import { DeliveryError, describeError, errorKind } from './delivery-error.js';
import { DeliveryLedger, isFinal, isParked, type LedgerRow } from './delivery-ledger.js';
import { adapterDeliveries } from './metrics.js';
import { runInLanes } from './lane-scheduler.js';
import { ReceiptBatch } from './receipt-batch.js';
import { DEFAULT_RETRY_POLICY, nextRetry, type RetryPolicy } from './retry-policy.js';

/** What an adapter's deliver() reports. `skipped`: handled, nothing to publish (see README). */
export interface DeliveryResult {
  ref?: ObjectRef;
  skipped?: string;
}
export type Deliver = (command: OutboundCommand) => Promise<DeliveryResult>;

export interface OutboundRunnerOptions {
  bus: Bus;
  ds: DataSource;
  network: Network;
  /** The side effect. Throw a DeliveryError (or anything with `retryable: false` for permanent failures). */
  deliver: Deliver;
  policy?: RetryPolicy;
  logger?: Logger;
  /** Partitions of the parked topic when it has to be created (default 6, as KAFKA_PARTITIONS). */
  partitions?: number;
  /** How long one command may be retried inside its batch before it is parked (default 5 s). */
  inlineBudgetMs?: number;
  /** How long a finished command's receipt may wait to go out with others of its batch (default 200 ms). */
  receiptBatchMs?: number;
  random?: () => number;
}


/** Commands of one batch delivered at the same time (each holds a connection of the process's pool, 10, now and then). */
const COMMANDS_AT_ONCE = 8;

/** Lanes of one account delivered at the same time: one PDS repo, pod or relay key is not flooded. */
const LANES_PER_ACCOUNT = 4;

/** The least a command waits behind an earlier parked one of its account. */
const WAIT_BEHIND_DUE_BLOCKER_MS = 2_000;

/** How a skip is written in a row's last_error (and a receipt's reason). */
const SKIPPED = 'skipped: ';
const INTERRUPTED = 'an earlier attempt did not finish (the service stopped during it)';

export const PARK_HEADERS = { attempts: 'x-park-attempts', notBefore: 'x-not-before', reason: 'x-park-reason' } as const;

type Source = 'outbound' | 'parked';

/**
 * Runs one network's outbound commands: ledger check and claim, deliver with retries, ledger
 * outcome, receipt (a batch's receipts go out together). Generic: every adapter passes its own deliver(). The contract is in README.md.
 */
export class OutboundRunner {
  readonly groupId: string;
  private readonly ledger: DeliveryLedger;
  private readonly log: Logger;
  private readonly policy: RetryPolicy;
  private abort = new AbortController();
  private subs: Subscription[] = [];

  constructor(private readonly opts: OutboundRunnerOptions) {
    this.groupId = `pontis-adapter-${opts.network}`;
    this.ledger = new DeliveryLedger(opts.ds, opts.network);
    this.log = opts.logger ?? createLogger(`adapter-${opts.network}`);
    this.policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  }

  async start(): Promise<void> {
    const { bus, network } = this.opts;
    this.abort = new AbortController(); // a stopped runner can be started again
    const partitions = this.opts.partitions ?? 6;
    // ensureTopics leaves existing topics alone: the translator creates the outbound one too.
    await bus.ensureTopics([outboundTopic(network), parkedTopic(network), TOPICS.receipts, TOPICS.deadLetter].map((topic) => ({ topic, partitions })));
    this.subs.push(await bus.subscribe({ groupId: this.groupId, topics: [outboundTopic(network)], handleBatch: (m) => this.handleBatch(m, 'outbound') }));
    this.subs.push(await bus.subscribe({ groupId: `${this.groupId}-parked`, topics: [parkedTopic(network)], handleBatch: (m) => this.handleBatch(m, 'parked') }));
    this.log.info('outbound runner started', { network, groupId: this.groupId });
  }

  async stop(): Promise<void> {
    this.abort.abort(); // cuts a parked-topic wait short; that batch is then offered again later
    await Promise.all(this.subs.map((s) => s.stop()));
    this.subs = [];
  }

  /** One partition's batch, in order. Throws only when the database or the bus is away (the bus offers the batch again). */
  async handleBatch(messages: DeliveredMessage[], from: Source): Promise<void> {
    const valid: { msg: DeliveredMessage; cmd: OutboundCommand }[] = [];
    for (const msg of messages) {
      try {
        valid.push({ msg, cmd: parseCommand(msg.value, this.opts.network) });
      } catch (err) {
        if (!(err instanceof InvalidCommandError)) throw err;
        await this.deadLetter(msg, err.message, 'validation', null);
      }
    }
    const rows = await this.ledger.ensure(valid.map((v) => v.cmd));
    // Order matters per account (the message key) and lane (command-lane.ts) only: the accounts
    // of a batch go side by side, and so do the lanes of one account, so neither one account's
    // slow peer nor one busy account's round trips (≈150 ms per PDS write, one after another)
    // pace the partition (docs/BENCHMARKS.md, latency).
    const receipts = new ReceiptBatch(this.opts.bus, this.opts.receiptBatchMs);
    const items = valid.map((v) => ({ ...v, account: v.msg.key, lane: laneOf(v.cmd) }));
    // An item that throws (database or bus away) fails the batch once nothing runs: the bus
    // offers it again, and the ledger makes the replay of what was done harmless.
    const failed = await runInLanes(
      items,
      async ({ msg, cmd, lane }) => {
        const row = rows.get(cmd.id);
        if (!row) throw new Error(`ledger row for ${cmd.id} missing after upsert`);
        await this.process(cmd, msg, row, from, receipts, lane);
        await receipts.flushIfDue();
      },
      { total: COMMANDS_AT_ONCE, perAccount: LANES_PER_ACCOUNT },
    );
    // Receipts last, after every ledger row they stand for: a crash before this line re-publishes
    // them from the ledger on the replay (step 3 of the contract), nothing is lost or sent twice
    // to the peer. Published even when a lane failed: the others' work is done.
    const published = await receipts.flush().then(
      () => undefined,
      (err: unknown) => err,
    );
    if (failed) throw failed.error;
    if (published) throw published;
  }

  private async process(cmd: OutboundCommand, msg: DeliveredMessage, row: LedgerRow, from: Source, receipts: ReceiptBatch, lane: string): Promise<void> {
    if (isFinal(row)) return receipts.add(receiptOf(cmd, row)); // replay: the side effect happened; the receipt is cheap
    if (from === 'outbound' && isParked(row)) return; // replay of a parked command: the parked topic owns it now
    if (from === 'parked') {
      // The parked copy is written before the ledger row (see park()), so the row may not show its
      // time yet: the copy's own x-not-before counts too.
      const notBefore = Date.parse(String(msg.headers[PARK_HEADERS.notBefore] ?? ''));
      if (isStaleParkedCopy(row, Number(msg.headers[PARK_HEADERS.attempts]), notBefore)) return;
      const wait = Math.max(row.nextAttemptAt?.getTime() ?? 0, Number.isFinite(notBefore) ? notBefore : 0) - Date.now();
      if (wait > 0) {
        await receipts.flush(); // what is done goes out before a wait that may be minutes
        await sleep(wait, this.abort.signal);
      }
      if (this.abort.signal.aborted) throw new Error('runner stopping; the parked batch will be offered again');
    }
    const started = Date.now();
    let seen = row.attempts;
    // What held this command up, if anything did (a parked row carries its reason): kept on the row
    // once it is delivered after all, so the status API still says why it was late.
    // The parked copy names its reason itself: it can arrive before its row is marked (see park()).
    let delayedBy = (from === 'parked' ? msg.headers[PARK_HEADERS.reason] : undefined) || (row.status === 'failed' ? row.lastError : null);
    for (;;) {
      const claim = await this.ledger.claimInOrder(row, seen, lane);
      if (claim && 'blocker' in claim) {
        // Lane order: never overtake an earlier parked command of the lane; queue up right behind it.
        const { blocker } = claim;
        // Not before now + a moment: a blocker whose time has come is being retried right now, and
        // waiting for exactly its (past) time re-parked every command behind it in a tight loop
        // (200,000 parked copies in 15 minutes in the fault stream).
        const at = Math.max(blocker.nextAttemptAt?.getTime() ?? 0, Date.now() + WAIT_BEHIND_DUE_BLOCKER_MS);
        return this.park(cmd, msg, seen, new Date(at), `waiting for ${blocker.commandId} (parked earlier, same account and lane)`, lane);
      }
      if (claim === undefined) return; // another consumer claimed this attempt (rebalance overlap)
      const { attempts } = claim;
      try {
        const result = await this.opts.deliver(cmd);
        // A skip with a ref (a follow already in the list) still names what exists there.
        const status = result.skipped && !result.ref ? 'skipped' : 'delivered';
        // An attempt counted with no outcome recorded was cut off: the process died mid-delivery.
        const why = delayedBy ?? (attempts > 1 ? INTERRUPTED : null);
        const lastError = result.skipped ? `${SKIPPED}${result.skipped}` : why ? `delivered on attempt ${attempts}, delayed by: ${why}` : null;
        return await this.finish(cmd, receipts, { status, nativeId: result.ref?.id ?? null, lastError }, {
          ref: result.ref,
          reason: result.skipped ? `${SKIPPED}${result.skipped}` : undefined,
        });
      } catch (err) {
        const kind = errorKind(err);
        const why = describeError(err);
        delayedBy = why;
        if (kind === 'gone') return this.finish(cmd, receipts, { status: 'gone', lastError: why }, { reason: why });
        if (kind === 'permanent') return this.giveUp(cmd, msg, receipts, `permanent failure: ${why}`);
        const policyNext = nextRetry(attempts, Date.now() - row.createdAt.getTime(), this.policy, this.opts.random);
        if (!policyNext.retry) return this.giveUp(cmd, msg, receipts, `${policyNext.reason}; last error: ${why}`);
        // A peer that said when to come back (429 with RateLimit-Reset) is not asked sooner.
        const next = { ...policyNext, delayMs: Math.max(policyNext.delayMs, err instanceof DeliveryError ? (err.retryAfterMs ?? 0) : 0) };
        this.log.warn('delivery failed; will retry', { commandId: cmd.id, attempts, delayMs: next.delayMs, err: why });
        // Short waits stay in the batch; longer ones park, so this target does not hold up other accounts.
        if (from === 'outbound' && Date.now() - started + next.delayMs <= (this.opts.inlineBudgetMs ?? 5_000)) {
          await sleep(next.delayMs, this.abort.signal);
          seen = attempts;
          continue;
        }
        return this.park(cmd, msg, attempts, new Date(Date.now() + next.delayMs), why, lane);
      }
    }
  }

  /**
   * Parked topic first, ledger second: a crash in between leaves the row unparked, so the
   * outbound replay tries again (and the parked copy turns stale by its attempts header). The
   * other order could mark a row parked whose command is nowhere: lost.
   */
  private async park(cmd: OutboundCommand, msg: DeliveredMessage, attempts: number, at: Date, reason: string, lane: string): Promise<void> {
    await this.opts.bus.publish(parkedTopic(this.opts.network), [
      {
        key: msg.key,
        value: msg.value,
        headers: { ...msg.headers, [PARK_HEADERS.attempts]: String(attempts), [PARK_HEADERS.notBefore]: at.toISOString(), [PARK_HEADERS.reason]: reason.slice(0, 500) },
      },
    ]);
    await this.ledger.record(cmd.id, { status: 'failed', lastError: reason, nextAttemptAt: at, lane });
    adapterDeliveries.inc({ network: this.opts.network, outcome: 'parked' });
    this.log.info('command parked', { commandId: cmd.id, attempts, notBefore: at.toISOString(), reason });
  }

  /** Dead letter first (a crash after it at worst repeats it), then the ledger, then the receipt. */
  private async giveUp(cmd: OutboundCommand, msg: DeliveredMessage, receipts: ReceiptBatch, reason: string): Promise<void> {
    await this.deadLetter(msg, reason, 'delivery', cmd.eventId);
    await this.finish(cmd, receipts, { status: 'dead', lastError: reason }, { reason });
  }

  private async finish(
    cmd: OutboundCommand,
    receipts: ReceiptBatch,
    o: { status: 'delivered' | 'skipped' | 'gone' | 'dead'; lastError?: string | null; nativeId?: string | null },
    r: { ref?: ObjectRef; reason?: string },
  ): Promise<void> {
    await this.ledger.record(cmd.id, { ...o, nextAttemptAt: null });
    adapterDeliveries.inc({ network: this.opts.network, outcome: o.status });
    if (o.status === 'gone' || o.status === 'dead') this.log.warn('delivery ended without a copy', { commandId: cmd.id, status: o.status, reason: r.reason });
    // The ledger row above is written: the receipt may now wait for the batch's others.
    receipts.add({ v: 1, commandId: cmd.id, objectKey: cmd.objectKey, network: this.opts.network, status: o.status, ref: r.ref, reason: r.reason });
  }

  private async deadLetter(msg: DeliveredMessage, reason: string, source: 'validation' | 'delivery', eventId: string | null): Promise<void> {
    await publishDeadLetter(this.opts.bus, { topic: outboundTopic(this.opts.network), key: msg.key, value: msg.value, reason, source: `adapter-${this.opts.network}`, headers: msg.headers });
    await this.ledger.deadLetter({ topic: outboundTopic(this.opts.network), key: msg.key, payload: msg.value.toString('utf8'), reason, source, eventId });
    deadLetters.inc({ source });
    this.log.warn('command dead-lettered', { topic: msg.topic, partition: msg.partition, offset: msg.offset, reason });
  }
}


/**
 * A parked copy is stale only when a later park of the same command was recorded: the row has
 * attempts beyond the copy's and a later retry time. Attempts beyond the copy's alone do not make
 * it stale: claim() counts the attempt before delivering, so an attempt from this very copy that
 * was cut short (the broker refused the re-park, the process was killed) leaves the row ahead of
 * the copy with no newer copy anywhere; skipping it then lost the command, and every later command
 * of the account queued behind it for good (seen in the fault stream, docs/FAULTS.md). A second
 * live copy is harmless: claim() lets one attempt through at a time and a delivered row is final.
 */
export function isStaleParkedCopy(row: Pick<LedgerRow, 'attempts' | 'nextAttemptAt'>, copyAttempts: number, copyNotBefore: number): boolean {
  if (!Number.isFinite(copyAttempts) || row.attempts <= copyAttempts) return false;
  return row.nextAttemptAt !== null && Number.isFinite(copyNotBefore) && row.nextAttemptAt.getTime() > copyNotBefore;
}

/** The receipt a final ledger row stands for (re-published on replays). */
function receiptOf(cmd: OutboundCommand, row: LedgerRow): Receipt {
  const base = { v: 1 as const, commandId: cmd.id, objectKey: cmd.objectKey, network: cmd.target };
  if (row.status === 'delivered') {
    // Only a skip that names a copy gives a delivered receipt a reason; a delay it had does not.
    const reason = row.lastError?.startsWith(SKIPPED) ? row.lastError : undefined;
    return { ...base, status: 'delivered', ref: row.nativeId ? { network: cmd.target, id: row.nativeId } : undefined, reason };
  }
  if (row.status === 'gone' || row.status === 'skipped') return { ...base, status: row.status, reason: row.lastError ?? undefined };
  return { ...base, status: 'dead', reason: row.lastError ?? 'gave up' };
}
