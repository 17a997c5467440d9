import type { BridgeEvent, ObjectRef } from './bridge-event.js';
import type { Network } from './networks.js';

export const COMMAND_SCHEMA_VERSION = 1 as const;

/** Who the target adapter publishes as. */
export interface PublishAs {
  accountId: string;
  /** `bridged`: the proxy identity Pontis hosts; `native`: the person's own linked account. */
  mode: 'bridged' | 'native';
  /** The identity's id on the target network, once provisioned; absent means "provision first". */
  id?: string;
  handle?: string;
}

/**
 * A reference from the event, already mapped to the target network. `original` is set when the
 * referenced object's first home is the target network itself (a reply to a native post).
 */
export interface MappedRef extends ObjectRef {
  original: boolean;
}

/** One command on bridge.outbound.<network>.v1: "make this event happen on `target`". */
export interface OutboundCommand {
  v: typeof COMMAND_SCHEMA_VERSION;
  /** `<event id>><target network>`: the delivery ledger key; a replayed command is a no-op. */
  id: string;
  eventId: string;
  target: Network;
  as: PublishAs;
  /** The normalized event as it came in. */
  event: BridgeEvent;
  /** The logical object this event creates or acts on (object map key). */
  objectKey: string;
  /** References mapped to the target network, by the name of the field they came from. */
  refs: {
    replyTo?: MappedRef;
    threadRoot?: MappedRef;
    quote?: MappedRef;
    target?: MappedRef;
  };
  /** Mentioned or followed actors mapped to the target network, keyed `<network>:<id>` of the source actor. */
  actors: Record<string, { id: string; handle?: string }>;
  /** report.created forwarded to the reported person's home network: the reported objects there, keyed `<network>:<id>` of the reported ref. */
  objects?: Record<string, MappedRef & { author?: string }>;
}

/** An adapter's report that a bridged copy now exists (or was removed) on its network. */
export interface Receipt {
  v: 1;
  commandId: string;
  objectKey: string;
  network: Network;
  /** The native ref of the copy; absent for deletes. */
  ref?: ObjectRef;
  /**
   * delivered: the copy exists (`ref`); skipped: handled, but nothing to publish there (the
   * network cannot express it), so nothing will ever exist to point at; gone: the target is gone
   * (410); dead: given up after retries or a permanent error (`reason`).
   */
  status: 'delivered' | 'skipped' | 'gone' | 'dead';
  reason?: string;
}

export function commandId(eventId: string, target: Network): string {
  return `${eventId}>${target}`;
}

export function actorKey(a: { network: Network; id: string }): string {
  return `${a.network}:${a.id}`;
}
