import type { Bus } from './bus.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { MemoryBus, type MemoryBusOptions } from './memory-bus.js';

export type * from './bus.js';
export { KafkaBus, type KafkaBusOptions, type KafkaBusLogLevel } from './kafka-bus.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { NamespacedBus } from './namespaced-bus.js';
export { retryDelay, isRetryable, BusError, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { waitFor, STARTUP_BACKOFF, type StartupObserver, type WaitOptions, type WaitReport } from './wait-for.js';
export {
  publishDeadLetter,
  deadLetterReason,
  DEAD_LETTER_HEADERS,
  type DeadLetter,
  type DeadLetterInfo,
} from './dead-letter.js';

export interface CreateBusOptions extends Partial<Omit<KafkaBusOptions, 'clientId'>>, MemoryBusOptions {
  /** Kafka when present and non-empty; otherwise the in-process bus (embedded mode). */
  brokers?: string[];
  clientId: string;
}

export function createBus(options: CreateBusOptions): Bus {
  const { brokers, backoff, maxBatchSize } = options;
  if (brokers && brokers.length > 0) return new KafkaBus({ ...options, brokers });
  return new MemoryBus({ backoff, maxBatchSize });
}
