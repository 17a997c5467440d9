/** The pure half of the Solid adapter: AS2 resources in pods ⇄ BridgeEvents. */
import type { ProtocolMapper } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { toEvents } from './as2-to-events.js';
import { solidCapabilities } from './capabilities.js';
import type { InboundContext, InboundResource, MapResult, RenderContext, RenderResult } from './context.js';
import { render } from './events-to-as2.js';

export * from './as2.js';
export * from './context.js';
export { solidCapabilities } from './capabilities.js';
export { removalEvent, toEvents } from './as2-to-events.js';
export { inboxCopyUrl, mediaSlug, render } from './events-to-as2.js';
export { readAs2 } from './jsonld-read.js';
export { resourceSlug, slugOf } from './names.js';

/** Solid ids are WebIDs and resource URLs: http(s) URLs with a fragment (`#me`) or inside a pod. */
function owns(idOrHandle: string): boolean {
  return /^https?:\/\/[^\s]+\/profile\/card#me$/.test(idOrHandle) || /^https?:\/\/[^\s]+\/social\/(outbox|inbox)\/[^/\s]+$/.test(idOrHandle);
}

export const solidMapper = {
  capabilities: solidCapabilities,
  owns,
  toEvents: (native: InboundResource, ctx: InboundContext): MapResult => toEvents(native, ctx),
  render: (command: OutboundCommand, ctx: RenderContext): RenderResult => render(command, ctx),
} satisfies ProtocolMapper<InboundResource, RenderResult, InboundContext, RenderContext>;
export { profileEvent } from './profile.js';
