/** Test helpers for adapters: commands as the translator makes them, and a topic recorder. */
import { objectKeyFor } from '../../services/translator/object-key.js';
import type { Bus, DeliveredMessage, Subscription } from '../bus/index.js';
import { COMMAND_SCHEMA_VERSION, commandId, type BridgeEvent, type Network, type OutboundCommand } from '../events/index.js';

/** A command for `target` shaped like the translator's (id, object key derived from the source ref). */
export function commandFor(event: BridgeEvent, target: Network, accountId: string, extra: Partial<Pick<OutboundCommand, 'refs' | 'actors' | 'objectKey'>> = {}): OutboundCommand {
  return {
    v: COMMAND_SCHEMA_VERSION,
    id: commandId(event.id, target),
    eventId: event.id,
    target,
    as: { accountId, mode: 'bridged' },
    event,
    objectKey: extra.objectKey ?? objectKeyFor(event.source),
    refs: extra.refs ?? {},
    actors: extra.actors ?? {},
  };
}

/** Every message on `topics` since subscribing, in arrival order. */
export class Recorder {
  readonly messages: DeliveredMessage[] = [];
  private sub?: Subscription;

  static async on(bus: Bus, topics: string[], groupId = `rec-${Math.random().toString(36).slice(2)}`): Promise<Recorder> {
    const r = new Recorder();
    r.sub = await bus.subscribe({ groupId, topics, fromBeginning: true, handleBatch: async (m) => void r.messages.push(...m) });
    return r;
  }

  json<T>(topic: string): T[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.value.toString('utf8')) as T);
  }

  stop(): Promise<void> {
    return this.sub?.stop() ?? Promise.resolve();
  }
}
