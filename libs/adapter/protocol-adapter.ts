import type { BridgeEvent, Network, OutboundCommand, Receipt } from '../events/index.js';

/**
 * Static facts about a network, declared once per adapter instead of `if (network === ...)`
 * branches in shared code.
 */
export interface NetworkCapabilities {
  network: Network;
  /** Edits show on the network (else the adapter renders a correction reply, edit-fallback.ts). */
  edits: boolean;
  /** Longest text a post may carry, in the network's own unit (graphemes, characters). */
  maxTextLength: number | null;
  maxAttachments: number;
  quotes: boolean;
  /** Emoji reactions beyond a plain like. */
  emojiReactions: boolean;
  contentWarnings: boolean;
  /** Whether objects have ids we can choose before publishing (lets us map before we send). */
  choosesOwnIds: boolean;
}

/**
 * The pure half of an adapter: wire format in, events out; commands in, wire format out.
 * Golden fixtures of real payloads test these without any I/O.
 */
export interface ProtocolMapper<Native, Rendered, InContext = void, OutContext = void> {
  readonly capabilities: NetworkCapabilities;
  /** Does this id or handle belong to this network? */
  owns(idOrHandle: string): boolean;
  /**
   * Never throws on hostile input: what it cannot use comes back as `ignored` with the reason.
   * `ctx` carries what only the I/O layer knows (previous follow list, our own keys, ...).
   */
  toEvents(native: Native, ctx: InContext): { events: BridgeEvent[]; ignored?: string };
  render(command: OutboundCommand, ctx: OutContext): Rendered;
}

/** The I/O half, run by the adapter service. */
export interface ProtocolAdapter {
  readonly capabilities: NetworkCapabilities;
  /** Begin watching the identities we bridge and publishing what we see to bridge.events.v1. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Carry out one outbound command; resolves with the receipt to publish. Idempotent per command id. */
  deliver(command: OutboundCommand): Promise<Receipt>;
  /** Create (or find) the bridged identity that represents `accountId` on this network. */
  provisionIdentity(accountId: string): Promise<{ id: string; handle: string }>;
  /** Resolve a human handle on this network to its native id. */
  resolveHandle(handle: string): Promise<string | null>;
  health(): Promise<{ ok: boolean; detail: string }>;
}
