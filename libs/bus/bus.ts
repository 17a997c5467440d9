/**
 * The bus port. Two implementations pass one conformance suite (bus.conformance.ts):
 * Kafka (kafkajs) for production and an in-process twin for the embedded mode.
 * kafkajs has had no release since 2023: nothing outside libs/bus imports it.
 */
export interface OutgoingMessage {
  /** Partition key: one account's (or one target identity's) messages stay in order. */
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

export interface DeliveredMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** Producer timestamp (ms since epoch). */
  timestamp: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Start from the earliest offset when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /**
   * Called with a batch of messages from one partition, in order. Offsets are committed only
   * after it resolves. If it throws, the same batch is offered again after a backoff (the bus
   * never skips a message): a handler rejects a bad message itself (dead letter) and throws only
   * for transient failures (database or broker down).
   */
  handleBatch: (messages: DeliveredMessage[]) => Promise<void>;
}

export interface Subscription {
  readonly groupId: string;
  stop(): Promise<void>;
}

export interface BusHealth {
  ok: boolean;
  detail: string;
}

export interface Bus {
  readonly kind: 'kafka' | 'memory';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  /** Resolves once every message is durably acknowledged (acks=all on Kafka). */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Several topics in one go (one request per broker on Kafka); same guarantee as publish. */
  publishAll(batches: TopicMessages[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  health(): Promise<BusHealth>;
  /** Messages not yet committed by the group, summed over partitions of the topics. */
  lag(groupId: string, topics: string[]): Promise<number>;
}
