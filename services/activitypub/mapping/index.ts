/**
 * The pure half of the ActivityPub adapter. `activityPubMapper` fits libs/adapter's ProtocolMapper;
 * the I/O layer calls `toEvents` / `render` with their contexts.
 */
import type { ProtocolMapper } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { isHttpUrl } from './as2.js';
import { activityPubCapabilities } from './capabilities.js';
import { toEvents } from './as2-to-events.js';
import type { InboundContext, RenderContext, RenderResult } from './context.js';
import { render } from './events-to-as2.js';

export * from './as2.js';
export { activityPubCapabilities } from './capabilities.js';
export type { ControlSignal, Delivery, InboundContext, MapResult, RenderContext, RenderResult } from './context.js';
export { toEvents } from './as2-to-events.js';
export { render } from './events-to-as2.js';
export * from './ids.js';
export { rootFromParent } from './thread-root.js';
export { sanitize } from './html-sanitize.js';
export { profileOf, plainText } from './inbound-profile.js';
export { canonicalOf, PROXY_PROTOCOLS, KNOWN_BRIDGE_HOSTS } from './provenance.js';

/** ActivityPub ids are http(s) URLs; handles are `@user@host`. */
function owns(idOrHandle: string): boolean {
  return isHttpUrl(idOrHandle) || /^@?[^@\s]+@[^@\s]+\.[^@\s]+$/.test(idOrHandle);
}

export const activityPubMapper = {
  capabilities: activityPubCapabilities,
  owns,
  toEvents: (native: unknown, ctx: InboundContext | undefined) => toEvents(native, ctx),
  render: (command: OutboundCommand, ctx: RenderContext): RenderResult => render(command, ctx),
} satisfies ProtocolMapper<unknown, RenderResult, InboundContext | undefined, RenderContext>;
