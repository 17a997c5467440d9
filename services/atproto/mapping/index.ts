/**
 * The pure half of the AT Protocol adapter. `atprotoMapper` fits libs/adapter's ProtocolMapper.
 */
import type { ProtocolMapper } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { atprotoCapabilities } from './capabilities.js';
import type { InboundContext, RenderContext, RenderResult, RepoOp } from './context.js';
import { render } from './events-to-records.js';
import { toEvents } from './records-to-events.js';

export { atprotoCapabilities } from './capabilities.js';
export * from './atproto-records.js';
export type { InboundContext, KeptRecord, MapResult, RenderContext, RenderResult, RepoOp, RepoWrite } from './context.js';
export { render, MAX_IMAGES } from './events-to-records.js';
export { toEvents } from './records-to-events.js';
export { badFacetCount, facetsFromRecord, facetsToRecord, utf16ToUtf8Offset, utf8ToUtf16Offset } from './facets.js';
export { recordKeyFor, isTid } from './record-key.js';
export { fitText, graphemeLength, MAX_GRAPHEMES } from './text-fit.js';
export { assertValidRecord, checkRecord, InvalidRecordError } from './validate-record.js';

/** DIDs, at:// URIs, and handles are AT Protocol's; `did:web` belongs here too. */
function owns(idOrHandle: string): boolean {
  return /^did:(plc|web):/.test(idOrHandle) || idOrHandle.startsWith('at://');
}

export const atprotoMapper = {
  capabilities: atprotoCapabilities,
  owns,
  toEvents: (native: RepoOp, ctx: InboundContext | undefined) => toEvents(native, ctx),
  render: (command: OutboundCommand, ctx: RenderContext): RenderResult => render(command, ctx),
} satisfies ProtocolMapper<RepoOp, RenderResult, InboundContext | undefined, RenderContext>;
