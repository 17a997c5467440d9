import type { BridgeEvent, OutboundCommand } from '../../libs/events/index.js';

/**
 * Serializes a command, splicing in the event's JSON as it arrived instead of stringifying the
 * same event once per target network: at a fan-out of three this was most of the translator's
 * CPU time. The result parses to exactly what JSON.stringify(command) would give.
 */
export function commandJson(command: OutboundCommand, eventJson: string | undefined): string {
  if (eventJson === undefined) return JSON.stringify(command);
  const { event: _event, ...rest } = command;
  void _event;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"event":${eventJson}}`;
}

/** Remembers each event's source JSON (compacted) by identity, for commandJson. */
export class EventJsonCache {
  private readonly byEvent = new WeakMap<BridgeEvent, string>();
  set(event: BridgeEvent, raw: string): void {
    this.byEvent.set(event, raw);
  }
  get(event: BridgeEvent): string | undefined {
    return this.byEvent.get(event);
  }
}
