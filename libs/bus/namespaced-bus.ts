import type { Bus, BusHealth, DeliveredMessage, OutgoingMessage, SubscribeOptions, Subscription, TopicMessages, TopicSpec } from './bus.js';

/**
 * Puts every topic and consumer group of a Bus under a prefix, so several deployments (or test
 * runs) can share one Kafka cluster without reading each other's messages. Handlers see the
 * unprefixed topic names, so nothing else in Pontis knows about it.
 */
export class NamespacedBus implements Bus {
  constructor(
    private readonly inner: Bus,
    private readonly prefix: string,
  ) {
    if (!/^[a-zA-Z0-9._-]+$/.test(prefix)) throw new Error(`invalid topic prefix "${prefix}" (letters, digits, . _ -)`);
  }

  get kind(): Bus['kind'] {
    return this.inner.kind;
  }

  private name(topic: string): string {
    return `${this.prefix}.${topic}`;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(specs.map((s) => ({ ...s, topic: this.name(s.topic) })));
  }

  publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return this.inner.publish(this.name(topic), messages);
  }

  publishAll(batches: TopicMessages[]): Promise<void> {
    return this.inner.publishAll(batches.map((b) => ({ ...b, topic: this.name(b.topic) })));
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    const strip = this.prefix.length + 1;
    return this.inner.subscribe({
      ...options,
      groupId: this.name(options.groupId),
      topics: options.topics.map((t) => this.name(t)),
      handleBatch: (messages: DeliveredMessage[]) => options.handleBatch(messages.map((m) => ({ ...m, topic: m.topic.slice(strip) }))),
    });
  }

  health(): Promise<BusHealth> {
    return this.inner.health();
  }

  lag(groupId: string, topics: string[]): Promise<number> {
    return this.inner.lag(this.name(groupId), topics.map((t) => this.name(t)));
  }
}
