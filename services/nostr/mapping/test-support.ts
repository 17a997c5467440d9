/** Test helpers: fixtures (fresh JSON copies: nostr-tools caches verification on the object) and commands. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { actorKey, COMMAND_SCHEMA_VERSION, type BridgeEvent, type MappedRef, type ObjectRef, type OutboundCommand, type PublishAs } from '../../../libs/events/index.js';
import type { NostrEvent } from './nostr-protocol.js';

/** Compiled tests run from dist/; the JSON stays beside the sources. */
const DIR = fileURLToPath(new URL('../../../../services/nostr/mapping/fixtures/', import.meta.url));

export function nostrFixture(name: string): NostrEvent {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as NostrEvent;
}

export const FIXTURE_NAMES = [
  'amethyst-deletion', 'amethyst-generic-repost', 'amethyst-profile', 'amethyst-reaction-custom-emoji', 'amethyst-reply-marked',
  'coracle-emoji-heavy', 'damus-contacts', 'damus-dislike', 'damus-note-imeta', 'damus-profile-malformed', 'damus-reply-positional',
  'damus-repost', 'damus-repost-deletion', 'habla-article', 'momostr-bridged', 'mostr-bridged', 'primal-like', 'primal-quote',
] as const;

/** The fixture authors' public keys. */
export const KEYS = JSON.parse(readFileSync(`${DIR}keys.json`, 'utf8')) as Record<'alice' | 'bob' | 'carol' | 'dave' | 'mostr' | 'momostr', string>;

const mapped = (r: ObjectRef | undefined): MappedRef | undefined => (r ? { ...r, network: 'nostr', original: r.network === 'nostr' } : undefined);

/**
 * A command as the translator would make it for nostr. Refs and actors default to the event's own
 * Nostr refs (what a Nostr-origin event maps to), so round trips need no object map.
 */
export function commandFor(
  event: BridgeEvent,
  opts: { refs?: OutboundCommand['refs']; actors?: OutboundCommand['actors']; as?: Partial<PublishAs> } = {},
): OutboundCommand {
  const actors: OutboundCommand['actors'] = {};
  for (const f of event.object?.facets ?? []) if (f.actor?.network === 'nostr') actors[actorKey(f.actor)] = { id: f.actor.id };
  if (event.subject?.network === 'nostr') actors[actorKey(event.subject)] = { id: event.subject.id };
  const nostrRef = (r: ObjectRef | undefined) => (r?.network === 'nostr' ? mapped(r) : undefined);
  const refs: OutboundCommand['refs'] = opts.refs ?? {
    replyTo: nostrRef(event.object?.replyTo),
    threadRoot: nostrRef(event.object?.threadRoot),
    quote: nostrRef(event.object?.quote),
    target: nostrRef(event.target),
  };
  for (const k of Object.keys(refs) as (keyof typeof refs)[]) if (!refs[k]) delete refs[k];
  return {
    v: COMMAND_SCHEMA_VERSION,
    id: `${event.id}>nostr`,
    eventId: event.id,
    target: 'nostr',
    as: { accountId: 'acct-1', mode: 'bridged', id: 'f'.repeat(64), ...opts.as },
    event,
    objectKey: '00000000-0000-5000-8000-000000000000',
    refs,
    actors: { ...actors, ...opts.actors },
  };
}
