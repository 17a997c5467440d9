/**
 * The pure half of the Nostr adapter. `nostrMapper` fits libs/adapter's ProtocolMapper; the richer
 * functions (`toEvents` with a reason, `render` with a context) are what the adapter service calls.
 */
import type { OutboundCommand } from '../../../libs/events/index.js';
import type { ProtocolMapper } from '../../../libs/adapter/index.js';
import { nostrCapabilities } from './capabilities.js';
import type { InboundContext, RenderContext, RenderResult } from './context.js';
import { render } from './events-to-nostr.js';
import { toEvents } from './nostr-to-events.js';
import type { NostrEvent } from './nostr-protocol.js';
import { decodeContentRef, isHex64 } from './nostr-refs.js';

export { nostrCapabilities } from './capabilities.js';
export type { InboundContext, MapResult, RenderContext, RenderResult } from './context.js';
export { copyIdOf, render } from './events-to-nostr.js';
export { toEvents } from './nostr-to-events.js';
export { listEntryId, profileIdentity } from './inbound-social.js';
export { MAX_RELAYS_PER_AUTHOR, newestPerAuthor, normalizeRelayUrl, readRelaysOf, writeRelaysOf } from './nip65.js';
export { KIND, TAG, type NostrEvent, type NostrTemplate } from './nostr-protocol.js';

/**
 * Does this id belong to Nostr: a hex pubkey or event id, an `npub`/`nprofile`/`note`/`nevent`/`naddr`,
 * with or without `nostr:`. NIP-05 names (`user@domain`) are not claimed: they look exactly like
 * e-mail-style handles of other networks; the adapter resolves them (NIP-05 lookup) when asked.
 */
function owns(idOrHandle: string): boolean {
  const s = idOrHandle.startsWith('nostr:') ? idOrHandle.slice('nostr:'.length) : idOrHandle;
  return isHex64(s) || decodeContentRef(s) !== undefined;
}

/**
 * The contexts carry what only the I/O layer knows: a follow list is a diff against the previous
 * one, a kind-5 needs authorship, rendering a follow needs the current list.
 */
export const nostrMapper = {
  capabilities: nostrCapabilities,
  owns,
  toEvents: (native: NostrEvent, ctx: InboundContext | undefined) => toEvents(native, ctx),
  render: (command: OutboundCommand, ctx: RenderContext | undefined): RenderResult => render(command, ctx),
} satisfies ProtocolMapper<NostrEvent, RenderResult, InboundContext | undefined, RenderContext | undefined>;
