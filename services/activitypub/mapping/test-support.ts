/** Test helpers: payload fixtures (fresh copies) and commands shaped like the translator's. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { actorKey, COMMAND_SCHEMA_VERSION, type BridgeEvent, type OutboundCommand, type PublishAs } from '../../../libs/events/index.js';
import type { AsObject } from './as2.js';

/** Compiled tests run from dist/; the JSON stays beside the sources. */
const DIR = fileURLToPath(new URL('../../../../services/activitypub/mapping/fixtures/', import.meta.url));

export function apFixture(name: string): AsObject {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as AsObject;
}

export const BASE = 'https://pontis.example';
export const ME = `${BASE}/ap/users/bob.bsky.social`;

export function commandFor(event: BridgeEvent, opts: { refs?: OutboundCommand['refs']; actors?: OutboundCommand['actors']; as?: Partial<PublishAs> } = {}): OutboundCommand {
  const actors: OutboundCommand['actors'] = {};
  for (const f of event.object?.facets ?? []) if (f.actor?.network === 'activitypub') actors[actorKey(f.actor)] = { id: f.actor.id, ...(f.actor.handle ? { handle: f.actor.handle } : {}) };
  return {
    v: COMMAND_SCHEMA_VERSION,
    id: `${event.id}>activitypub`,
    eventId: event.id,
    target: 'activitypub',
    as: { accountId: 'acct-1', mode: 'bridged', id: ME, ...opts.as },
    event,
    objectKey: '00000000-0000-5000-8000-000000000001',
    refs: opts.refs ?? {},
    actors: { ...actors, ...opts.actors },
  };
}
