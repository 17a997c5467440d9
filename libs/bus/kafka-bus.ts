import kafkajs from 'kafkajs';
import type { Admin, CompressionTypes, Consumer, EachBatchPayload, IHeaders, KafkaMessage, Producer, RetryOptions } from 'kafkajs';
import { BusError, DEFAULT_BACKOFF, isRetryable, retryDelay, sleep, type BackoffPolicy } from './backoff.js';
import { STARTUP_BACKOFF, waitFor, type StartupObserver } from './wait-for.js';
import { stopKafkajsIdleLoop } from './kafkajs-idle-loop.js';
import type {
  Bus,
  BusHealth,
  DeliveredMessage,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicMessages,
  TopicSpec,
} from './bus.js';

// kafkajs is CommonJS: a default import is the form that works under module nodenext.
const { Kafka, Partitioners, logLevel: LEVEL } = kafkajs;

export type KafkaBusLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Used by ensureTopics when a spec gives no partition count. */
  defaultPartitions?: number;
  logLevel?: KafkaBusLogLevel;
  /** kafkajs' own retry of each request (producer and admin). The consumer gets more, see below. */
  retry?: RetryOptions;
  /** Delay between re-offers of a batch whose handler threw, and between consumer re-creations. */
  backoff?: BackoffPolicy;
  /** health() gives up after this long (default 3000 ms) so a probe never hangs on a dead broker. */
  healthTimeoutMs?: number;
  /** Fetch long-poll; also bounds how long stop() waits for an idle consumer (default 1000 ms). */
  maxWaitTimeInMs?: number;
  /**
   * Partitions whose batches a subscription handles at the same time (default 1). Order within a
   * partition (one key) is kept either way; more overlaps the handler's I/O waits.
   */
  partitionsConsumedConcurrently?: number;
  /** Record-batch compression (default none). gzip runs in libuv's thread pool, off the event loop. */
  compression?: 'none' | 'gzip';
  /**
   * start(), ensureTopics() and subscribe() wait while the broker is away or a topic is not there
   * yet, and tell this observer what they wait for (wait-for.ts); configuration errors still throw.
   */
  startup?: StartupObserver;
  /** Pause between those attempts (default STARTUP_BACKOFF). */
  startupBackoff?: BackoffPolicy;
}

/**
 * Rides out a broker restart (~6-10 s here) inside one publish, yet a caller blocked on publish
 * during a real outage gets a retryable BusError after ~15 s (measured; kafkajs nests its
 * connection retries inside the send retries) and can decide for itself.
 */
const PRODUCER_RETRY: RetryOptions = { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000 };
/** The consumer's fetch loop: when these run out kafkajs crashes the consumer and restarts it. */
const CONSUMER_RETRY: RetryOptions = { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 };

interface KafkaSubscription {
  options: SubscribeOptions;
  consumer: Consumer;
  abort: AbortController;
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: InstanceType<typeof Kafka>;
  private readonly backoff: BackoffPolicy;
  private readonly defaultPartitions: number;
  private readonly healthTimeoutMs: number;
  private readonly maxWaitTimeInMs: number;
  private readonly partitionsConsumedConcurrently: number;
  private readonly compression: CompressionTypes;
  private readonly brokers: string;
  private readonly startup?: StartupObserver;
  private readonly startupBackoff: BackoffPolicy;
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  private readonly subs = new Set<KafkaSubscription>();
  /** Topics seen to exist: checked once each, so a typo fails at once instead of after ~25 s of kafkajs retries. */
  private readonly knownTopics = new Set<string>();

  constructor(options: KafkaBusOptions) {
    if (!options.brokers.length) throw new BusError('KafkaBus needs at least one broker', { retryable: false });
    stopKafkajsIdleLoop();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: LEVEL[(options.logLevel ?? 'warn').toUpperCase() as 'WARN'],
      retry: options.retry ?? PRODUCER_RETRY,
    });
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.defaultPartitions = options.defaultPartitions ?? 6;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 3_000;
    this.maxWaitTimeInMs = options.maxWaitTimeInMs ?? 1_000;
    this.partitionsConsumedConcurrently = options.partitionsConsumedConcurrently ?? 1;
    this.compression = options.compression === 'gzip' ? kafkajs.CompressionTypes.GZIP : kafkajs.CompressionTypes.None;
    this.brokers = options.brokers.join(',');
    this.startup = options.startup;
    this.startupBackoff = options.startupBackoff ?? STARTUP_BACKOFF;
  }

  /** Waits for the broker (see `startup`); throws at once only for what waiting cannot fix. */
  async start(): Promise<void> {
    await this.waitWhileAway(`kafka broker ${this.brokers}`, () => Promise.all([this.getProducer(), this.getAdmin()]));
  }

  private waitWhileAway<T>(what: string, step: () => Promise<T>): Promise<T> {
    return waitFor(what, step, { isTransient: isRetryable, backoff: this.startupBackoff, observer: this.startup });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subs].map((s) => this.unsubscribe(s)));
    const clients = await Promise.allSettled([this.producer, this.admin].filter((p) => p !== undefined));
    this.producer = this.admin = undefined;
    await Promise.allSettled(clients.map((c) => (c.status === 'fulfilled' ? c.value.disconnect() : undefined)));
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const names = specs.map((s) => s.topic).join(', ');
    await this.waitWhileAway(`kafka broker ${this.brokers} to create topics ${names}`, () =>
      this.createMissingTopics(specs).catch((err: unknown) => {
        throw err instanceof BusError ? err : new BusError(`ensureTopics ${names} failed: ${rootCause(err).message}`, { retryable: isRetriableKafkaError(err), cause: err });
      }),
    );
  }

  private async createMissingTopics(specs: TopicSpec[]): Promise<void> {
    const admin = await this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = new Map<string, number>();
    for (const s of specs) if (!existing.has(s.topic)) missing.set(s.topic, s.partitions || this.defaultPartitions);
    for (const s of specs) if (existing.has(s.topic)) this.knownTopics.add(s.topic);
    if (missing.size === 0) return;
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.min(3, brokers.length);
    for (let attempt = 1; ; attempt++) {
      try {
        // Resolves false when a concurrent caller created them first: that is fine, we only want them to exist.
        await admin.createTopics({
          waitForLeaders: true,
          topics: [...missing].map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor })),
        });
        break;
      } catch (err) {
        // Replicas starting together race to create the same topics; kafkajs only forgives the race
        // when every error is TOPIC_ALREADY_EXISTS, not when the broker is still creating one of
        // them. What matters is that they exist now: check, and try again a few times if not.
        const now = new Set(await admin.listTopics());
        for (const topic of [...missing.keys()]) if (now.has(topic)) missing.delete(topic);
        if (missing.size === 0) break;
        if (attempt >= 5 || !isRetriableKafkaError(err)) throw err;
        await sleep(retryDelay(attempt, this.backoff));
      }
    }
    for (const s of specs) this.knownTopics.add(s.topic);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.publishAll([{ topic, messages }]);
  }

  async publishAll(batches: TopicMessages[]): Promise<void> {
    const nonEmpty = batches.filter((b) => b.messages.length > 0);
    if (nonEmpty.length === 0) return;
    for (const { topic } of nonEmpty) await this.checkTopic(topic);
    const producer = await this.getProducer();
    const names = nonEmpty.map((b) => b.topic).join(', ');
    try {
      await producer.sendBatch({
        acks: -1,
        compression: this.compression,
        topicMessages: nonEmpty.map((b) => ({
          topic: b.topic,
          messages: b.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        })),
      });
    } catch (err) {
      const root = rootCause(err);
      const type = (root as { type?: string }).type ?? '';
      // No producer-state errors (sequence numbers, epochs) to recover from: the producer is not
      // idempotent, so it has no producer id for the broker to reject.
      let retryable = (root as { retriable?: boolean }).retriable !== false;
      // kafkajs treats an unknown topic as retriable (it might be auto-created); ours never is.
      if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        for (const b of nonEmpty) if (await this.topicMissing(b.topic)) retryable = false;
      }
      throw new BusError(`publish to ${names} failed (${type || root.name}): ${root.message}`, { retryable, cause: err });
    }
  }

  private async checkTopic(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const admin = await this.getAdmin();
    const topics = await admin.listTopics().catch((err: unknown) => {
      throw new BusError(`publish to ${topic}: broker unreachable: ${rootCause(err).message}`, { retryable: true, cause: err });
    });
    if (!topics.includes(topic)) throw new BusError(`unknown topic ${topic} (call ensureTopics first)`, { retryable: false });
    this.knownTopics.add(topic);
  }


  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    // A topic another service creates may not exist yet ("This server does not host this topic-partition"): wait for it too.
    const consumer = await this.waitWhileAway(`kafka topics ${options.topics.join(', ')} for group ${options.groupId}`, () => this.startConsumer(options));
    const sub: KafkaSubscription = { options, consumer, abort: new AbortController() };
    this.watch(sub);
    this.subs.add(sub);
    return { groupId: options.groupId, stop: () => this.unsubscribe(sub) };
  }

  async health(): Promise<BusHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<BusHealth>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${this.healthTimeoutMs} ms` }), this.healthTimeoutMs);
    });
    const probe = (async (): Promise<BusHealth> => {
      const { brokers, controller, clusterId } = await (await this.getAdmin()).describeCluster();
      return { ok: brokers.length > 0, detail: `cluster ${clusterId}: ${brokers.length} broker(s), controller ${controller}` };
    })().catch((err: Error): BusHealth => ({ ok: false, detail: err.message }));
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async lag(groupId: string, topics: string[]): Promise<number> {
    const admin = await this.getAdmin();
    const committed = await admin.fetchOffsets({ groupId, topics });
    let lag = 0n;
    for (const topic of topics) {
      const byPartition = new Map(committed.find((c) => c.topic === topic)?.partitions.map((p) => [p.partition, p.offset]));
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        const c = byPartition.get(partition) ?? '-1';
        // -1: the group never committed here; it would start at the log start (retention may have moved it past 0).
        const from = c === '-1' ? BigInt(low) : BigInt(c);
        if (BigInt(high) > from) lag += BigInt(high) - from;
      }
    }
    return Number(lag);
  }

  private getProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        // Not idempotent: kafkajs rolls a partition's sequence number back when a produce request
        // fails on the client's side, so the next, different message reuses it. When the broker
        // had in fact written the failed request (it went down before answering), it takes the new
        // message for a duplicate of that one and acknowledges it without writing it: a silent
        // loss, seen in the fault stream across a broker restart (docs/FAULTS.md). A retry may now
        // write a message twice; every consumer here is idempotent by message id (libs/bus/README.md).
        idempotent: false,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Java-client-compatible murmur2 (also silences kafkajs' v2 partitioner warning).
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    })();
    return this.producer.catch((err) => {
      this.producer = undefined;
      throw new BusError(`Kafka producer could not connect: ${rootCause(err).message}`, { retryable: isRetriableKafkaError(err), cause: err });
    });
  }

  private getAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin.catch((err) => {
      this.admin = undefined;
      throw new BusError(`Kafka admin could not connect: ${rootCause(err).message}`, { retryable: isRetriableKafkaError(err), cause: err });
    });
  }

  private async topicMissing(topic: string): Promise<boolean> {
    try {
      return !(await (await this.getAdmin()).listTopics()).includes(topic);
    } catch {
      return false; // Broker unreachable: we cannot tell, so let the caller retry.
    }
  }

  private async startConsumer(options: SubscribeOptions): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.maxWaitTimeInMs,
      retry: { ...CONSUMER_RETRY, restartOnFailure: async () => true },
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(options, payload),
      });
      return consumer;
    } catch (err) {
      await consumer.disconnect().catch(() => {});
      throw new BusError(`subscribe ${options.groupId} failed: ${rootCause(err).message}`, {
        retryable: isRetriableKafkaError(err),
        cause: err,
      });
    }
  }

  /**
   * kafkajs restarts a crashed consumer itself only when it judges the error retriable
   * (payload.restart). A bus must not silently stop consuming, so every other crash is
   * answered by replacing the consumer, with backoff, until it runs or stop() is called.
   */
  private watch(sub: KafkaSubscription): void {
    sub.consumer.on(sub.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || sub.abort.signal.aborted) return;
      void this.replaceConsumer(sub);
    });
  }

  private async replaceConsumer(sub: KafkaSubscription): Promise<void> {
    for (let attempt = 1; !sub.abort.signal.aborted; attempt++) {
      await sleep(retryDelay(attempt, this.backoff), sub.abort.signal);
      if (sub.abort.signal.aborted) return;
      try {
        await sub.consumer.disconnect().catch(() => {});
        sub.consumer = await this.startConsumer(sub.options);
        if (sub.abort.signal.aborted) {
          await sub.consumer.disconnect().catch(() => {});
          return;
        }
        this.watch(sub);
        return;
      } catch {
        // Broker still away: try again after a longer pause.
      }
    }
  }

  private async unsubscribe(sub: KafkaSubscription): Promise<void> {
    sub.abort.abort();
    this.subs.delete(sub);
    // disconnect() waits for the batch in flight, which commits if its handler succeeds.
    await sub.consumer.disconnect().catch(() => {});
  }

  /**
   * Why we loop inside eachBatch instead of throwing or seeking back:
   * - Throwing hands the error to kafkajs' fetch retrier, which re-fetches from the last resolved
   *   offset (so nothing is skipped) but with its own backoff, and after `retries` it crashes and
   *   rebuilds the whole consumer, rejoining the group: a slow database would cause rebalances.
   * - seek() discards every fetched batch of the partition and is applied on the next fetch; it
   *   works, but adds a round trip and cannot guarantee the re-offered batch is the same one.
   * - Looping keeps the exact batch, uses our backoff, and keeps heartbeating, so the group stays
   *   stable. It stops (without resolving, so the batch is fetched again by whoever owns the
   *   partition) when the consumer stops or heartbeat reports a rebalance.
   */
  private async eachBatch(options: SubscribeOptions, payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    if (batch.messages.length === 0) return;
    const messages = batch.messages.map((m) => toDelivered(batch.topic, batch.partition, m));
    for (let attempt = 1; ; attempt++) {
      if (!isRunning() || isStale()) return;
      // kafkajs throttles heartbeat() to its heartbeatInterval, so a fast timer costs nothing.
      const beat = setInterval(() => void heartbeat().catch(() => {}), 1_000);
      try {
        await options.handleBatch(messages);
        break;
      } catch {
        // The handler decides what is permanent (dead letter); whatever reaches us is retried.
      } finally {
        clearInterval(beat);
      }
      const until = Date.now() + retryDelay(attempt, this.backoff);
      while (Date.now() < until) {
        if (!isRunning() || isStale()) return;
        await heartbeat(); // a rebalance error escapes: kafkajs rejoins and re-fetches this batch
        await sleep(Math.min(500, until - Date.now()));
      }
    }
    payload.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    // Commit only this partition (resolveOffset may have stepped over a trailing control record).
    const partitions = payload
      .uncommittedOffsets()
      .topics.filter((t) => t.topic === batch.topic)
      // kafkajs builds these from object keys: the partition arrives as a string despite its type.
      .flatMap((t) => t.partitions.filter((p) => Number(p.partition) === batch.partition));
    if (partitions.length) await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions }] });
  }
}

function toDelivered(topic: string, partition: number, m: KafkaMessage): DeliveredMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? '',
    value: m.value ?? Buffer.alloc(0),
    headers: decodeHeaders(m.headers),
    timestamp: Number(m.timestamp),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    // Kafka allows repeated header keys; the port has one value per key, the last one wins.
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = last.toString();
  }
  return out;
}

function rootCause(err: unknown): Error {
  let e = err as Error & { cause?: unknown };
  while (e && typeof e === 'object' && e.cause instanceof Error) e = e.cause as Error & { cause?: unknown };
  return e instanceof Error ? e : new Error(String(err));
}

/**
 * kafkajs marks what it will not retry (authentication, a refused topic name). A broker host name
 * that does not resolve is taken for a typo, not an outage: waiting would hide it.
 */
function isRetriableKafkaError(err: unknown): boolean {
  const root = rootCause(err) as Error & { retriable?: boolean; code?: string; errors?: unknown[] };
  if (root.code === 'ENOTFOUND' || /\bENOTFOUND\b/.test(root.message)) return false;
  // createTopics answers one KafkaJSAggregateError (no `retriable` of its own) for all its topics.
  // A topic that exists already is the replicas' race, not a failure (see ensureTopics).
  if (Array.isArray(root.errors) && root.errors.length) {
    return root.errors.filter((e) => (e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS').every((e) => isRetriableKafkaError(e));
  }
  return root.retriable !== false;
}
