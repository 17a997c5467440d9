import { BusError, DEFAULT_BACKOFF, retryDelay, type BackoffPolicy } from './backoff.js';
import type { Bus, BusHealth, DeliveredMessage, OutgoingMessage, SubscribeOptions, Subscription, TopicMessages, TopicSpec } from './bus.js';

export interface MemoryBusOptions {
  backoff?: BackoffPolicy;
  /** Largest batch handed to handleBatch (Kafka's is bounded by fetch size; this keeps the twin comparable). */
  maxBatchSize?: number;
}

/** Per group and topic-partition: what Kafka keeps in __consumer_offsets, plus the batch being retried. */
interface PartitionState {
  /** Next offset to hand out; advances only after the handler resolved. */
  committed: number;
  /** One member at a time: a partition handed over mid-batch must not be processed twice concurrently. */
  busy: boolean;
  /** The exact batch that failed, re-offered as is (new messages do not join it). */
  retry?: { batch: DeliveredMessage[]; attempt: number; notBefore: number };
}

interface Group {
  parts: Map<string, PartitionState>;
  members: Member[];
}

interface Member {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  handler: (messages: DeliveredMessage[]) => Promise<void>;
  assigned: string[];
  cursor: number;
  stopped: boolean;
  wake?: () => void;
  done?: Promise<void>;
}

const partKey = (topic: string, partition: number) => `${partition}\u0000${topic}`;

/** FNV-1a: stable across runs and processes (Kafka uses murmur2; same-key-same-partition is what matters). */
export function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** In-process twin of KafkaBus for the embedded mode and for tests: same delivery contract, nothing durable. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, DeliveredMessage[][]>();
  private readonly groups = new Map<string, Group>();
  private readonly listeners = new Map<string, Set<Member>>();
  private readonly backoff: BackoffPolicy;
  private readonly maxBatch: number;

  constructor(options: MemoryBusOptions = {}) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.maxBatch = options.maxBatchSize ?? 500;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    const members = [...this.groups.values()].flatMap((g) => g.members);
    await Promise.all(members.map((m) => this.leave(m)));
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const { topic, partitions } of specs) {
      if (this.topics.has(topic)) continue;
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new BusError(`invalid partition count ${partitions} for ${topic}`, { retryable: false });
      }
      this.topics.set(topic, Array.from({ length: partitions }, () => []));
    }
  }

  async publishAll(batches: TopicMessages[]): Promise<void> {
    // Check every topic first, so an unknown one publishes nothing (as one Kafka request would fail whole).
    for (const b of batches) this.topicOrThrow(b.topic);
    for (const b of batches) await this.publish(b.topic, b.messages);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const parts = this.topicOrThrow(topic);
    const timestamp = Date.now();
    for (const m of messages) {
      const partition = partitionFor(m.key, parts.length);
      const log = parts[partition]!;
      log.push(
        Object.freeze({
          topic,
          partition,
          offset: String(log.length),
          key: m.key,
          // Copy: the log must not change if the caller reuses its buffer.
          value: typeof m.value === 'string' ? Buffer.from(m.value, 'utf8') : Buffer.from(m.value),
          headers: Object.freeze({ ...m.headers }) as Record<string, string>,
          timestamp,
        }),
      );
    }
    if (messages.length > 0) for (const member of this.listeners.get(topic) ?? []) wake(member);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    for (const t of options.topics) this.topicOrThrow(t);
    const member: Member = {
      groupId: options.groupId,
      topics: [...options.topics],
      fromBeginning: options.fromBeginning ?? true,
      handler: options.handleBatch,
      assigned: [],
      cursor: 0,
      stopped: false,
    };
    let group = this.groups.get(options.groupId);
    if (!group) this.groups.set(options.groupId, (group = { parts: new Map(), members: [] }));
    group.members.push(member);
    for (const t of member.topics) {
      let set = this.listeners.get(t);
      if (!set) this.listeners.set(t, (set = new Set()));
      set.add(member);
    }
    this.rebalance(group);
    member.done = this.run(member, group);
    return { groupId: options.groupId, stop: () => this.leave(member) };
  }

  async health(): Promise<BusHealth> {
    return { ok: true, detail: `in-process, ${this.topics.size} topic(s)` };
  }

  async lag(groupId: string, topics: string[]): Promise<number> {
    const group = this.groups.get(groupId);
    let lag = 0;
    for (const t of topics) {
      const parts = this.topicOrThrow(t);
      parts.forEach((log, p) => {
        lag += log.length - Math.max(0, group?.parts.get(partKey(t, p))?.committed ?? 0);
      });
    }
    return lag;
  }

  private topicOrThrow(topic: string): DeliveredMessage[][] {
    const parts = this.topics.get(topic);
    // Mirrors the broker (auto.create.topics.enable=false): a typo must fail loudly, not create a topic.
    if (!parts) throw new BusError(`unknown topic ${topic} (call ensureTopics first)`, { retryable: false });
    return parts;
  }

  /** Range-style assignment per topic over members in join order, like Kafka's classic protocol. */
  private rebalance(group: Group): void {
    for (const m of group.members) m.assigned = [];
    const topics = new Set(group.members.flatMap((m) => m.topics));
    for (const t of topics) {
      const members = group.members.filter((m) => m.topics.includes(t));
      const parts = this.topicOrThrow(t);
      for (let p = 0; p < parts.length; p++) {
        const owner = members[p % members.length]!;
        const key = partKey(t, p);
        if (!group.parts.has(key)) {
          group.parts.set(key, { committed: owner.fromBeginning ? 0 : parts[p]!.length, busy: false });
        }
        owner.assigned.push(key);
      }
    }
    for (const m of group.members) wake(m);
  }

  private async leave(member: Member): Promise<void> {
    if (member.stopped) return member.done;
    member.stopped = true;
    const group = this.groups.get(member.groupId)!;
    group.members = group.members.filter((m) => m !== member);
    for (const t of member.topics) this.listeners.get(t)?.delete(member);
    wake(member);
    // Like a Kafka consumer's disconnect: the batch in flight finishes (and commits) first.
    await member.done;
    this.rebalance(group);
  }

  private async run(member: Member, group: Group): Promise<void> {
    let sinceYield = 0;
    while (!member.stopped) {
      const work = this.nextWork(member, group);
      if (typeof work === 'number') {
        await new Promise<void>((resolve) => {
          const timer = work === Infinity ? undefined : setTimeout(() => wake(member), work);
          member.wake = () => {
            if (timer) clearTimeout(timer);
            resolve();
          };
        });
        sinceYield = 0;
        continue;
      }
      const { key, state, batch } = work;
      state.busy = true;
      try {
        await member.handler(batch);
        state.committed = Math.max(state.committed, Number(batch[batch.length - 1]!.offset) + 1);
        state.retry = undefined;
      } catch {
        const attempt = (state.retry?.attempt ?? 0) + 1;
        state.retry = { batch, attempt, notBefore: Date.now() + retryDelay(attempt, this.backoff) };
      } finally {
        state.busy = false;
        // Handed over mid-batch (rebalance): the new owner skipped it while busy and is waiting.
        if (!member.assigned.includes(key)) for (const m of group.members) wake(m);
      }
      // Handlers that resolve without real I/O would otherwise keep the loop on microtasks and starve timers.
      if (++sinceYield >= 16) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /** The next batch for this member, or how long to wait (Infinity: until woken by a publish or rebalance). */
  private nextWork(member: Member, group: Group): { key: string; state: PartitionState; batch: DeliveredMessage[] } | number {
    const now = Date.now();
    let wait = Infinity;
    const n = member.assigned.length;
    for (let i = 0; i < n; i++) {
      // Rotate the starting partition so a busy partition cannot starve the others.
      const key = member.assigned[(member.cursor + i) % n]!;
      const state = group.parts.get(key)!;
      if (state.busy) continue;
      if (state.retry) {
        if (state.retry.notBefore <= now) {
          member.cursor = (member.cursor + i + 1) % n;
          return { key, state, batch: state.retry.batch };
        }
        wait = Math.min(wait, state.retry.notBefore - now);
        continue;
      }
      const sep = key.indexOf('\u0000');
      const log = this.topics.get(key.slice(sep + 1))![Number(key.slice(0, sep))]!;
      if (state.committed < log.length) {
        member.cursor = (member.cursor + i + 1) % n;
        return { key, state, batch: log.slice(state.committed, state.committed + this.maxBatch) };
      }
    }
    return wait;
  }
}

function wake(member: Member): void {
  const w = member.wake;
  member.wake = undefined;
  w?.();
}
