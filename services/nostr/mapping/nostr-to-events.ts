/**
 * Nostr event in, BridgeEvents out. Pure and total: a hostile or unknown event yields
 * `{ events: [], ignored: <why> }`, never an exception, and every event returned has passed
 * `validateEvent` (a stream never stops for one bad item).
 */
import { InvalidEventError, validateEvent, type BridgeEvent } from '../../../libs/events/index.js';
import type { InboundContext, MapResult } from './context.js';
import { baseEvent, type Envelope } from './inbound-envelope.js';
import { cleanTags, envelopeProblem, tagValue } from './inbound-guard.js';
import { postFromEvent } from './inbound-post.js';
import { contactListEvents, muteListEvents, deletionEvents, profileEvents, reactionEvents, repostEvents } from './inbound-social.js';
import { KIND, TAG, type NostrEvent } from './nostr-protocol.js';
import { bech32ForObject, formatCoordinate } from './nostr-refs.js';
import { REPORT_KIND, reportEvents } from '../moderation/nip56-report.js';

/** Longest NIP-23 `d` identifier accepted, so the coordinate stays a bounded id. */
const MAX_IDENTIFIER_LENGTH = 1000;

export function toEvents(ev: NostrEvent, ctx: InboundContext = {}): MapResult {
  const problem = envelopeProblem(ev);
  if (problem) return { events: [], ignored: `malformed event: ${problem}` };
  const env: Envelope = { ev, tags: cleanTags(ev.tags), ctx };
  let result: MapResult;
  try {
    result = byKind(env);
  } catch (err) {
    // Defence in depth: no known input gets here, but one bad event must not stop the stream.
    return { events: [], ignored: `mapping failed: ${(err as Error).message}` };
  }
  return keepValid(result);
}

function byKind(env: Envelope): MapResult {
  switch (env.ev.kind) {
    case KIND.profile:
      return profileEvents(env);
    case KIND.note:
    case KIND.article:
      return postEvents(env);
    case KIND.contacts:
      return contactListEvents(env);
    case KIND.muteList:
      return muteListEvents(env);
    case KIND.deletion:
      return deletionEvents(env);
    case KIND.repost:
    case KIND.genericRepost:
      return repostEvents(env);
    case KIND.reaction:
      return reactionEvents(env);
    case REPORT_KIND:
      return reportEvents(env);
    default:
      return { events: [], ignored: `kind ${env.ev.kind} is not bridged` };
  }
}

/**
 * NIP-10 notes and NIP-23 articles. An article is addressable: its source id is the coordinate
 * `30023:<pubkey>:<d>`, so every version is the same object. A version whose coordinate the I/O
 * layer has seen before is an edit (post.updated, its own event id as source, the coordinate as target).
 */
function postEvents(env: Envelope): MapResult {
  const { ev, tags, ctx } = env;
  const object = postFromEvent(ev, tags, ctx);
  if (!object.text.trim() && object.attachments.length === 0 && !object.quote) return { events: [], ignored: 'empty note' };
  if (ev.kind === KIND.note) {
    const event: BridgeEvent = { ...baseEvent(env, 'post.created', ev.id), object };
    withUrl(event, ctx.permalink, bech32ForObject(ev.id, { author: ev.pubkey, kind: ev.kind }));
    return { events: [event] };
  }
  const d = tagValue(tags, TAG.identifier) ?? ''; // NIP-01: a missing `d` is the empty identifier
  if (d.length > MAX_IDENTIFIER_LENGTH) return { events: [], ignored: 'article identifier too long' };
  const coordinate = formatCoordinate({ kind: ev.kind, pubkey: ev.pubkey, identifier: d });
  const edit = ctx.knownCoordinate?.(coordinate) === true;
  const event: BridgeEvent = edit
    ? { ...baseEvent(env, 'post.updated', ev.id), object, target: { network: 'nostr', id: coordinate } }
    : { ...baseEvent(env, 'post.created', coordinate), object };
  withUrl(event, ctx.permalink, bech32ForObject(coordinate));
  return { events: [event] };
}

function withUrl(event: BridgeEvent, permalink: InboundContext['permalink'], bech32: string | undefined): void {
  if (!permalink || !bech32) return;
  const url = permalink(bech32);
  event.object!.url = url;
  if (event.type === 'post.created') event.source.url = url;
}

function keepValid(result: MapResult): MapResult {
  const events: BridgeEvent[] = [];
  const problems: string[] = [];
  for (const e of result.events) {
    try {
      events.push(validateEvent(e));
    } catch (err) {
      problems.push(err instanceof InvalidEventError ? err.problems.join(', ') : String(err));
    }
  }
  const ignored = [result.ignored, ...problems.map((p) => `invalid output dropped: ${p}`)].filter(Boolean).join('; ');
  return ignored ? { events, ignored } : { events };
}
