import { EVENT_SCHEMA_VERSION, type BridgeEvent, type Profile } from '../../../libs/events/index.js';

const FOAF = 'http://xmlns.com/foaf/0.1/';
const VCARD = 'http://www.w3.org/2006/vcard/ns#';
const AS = 'https://www.w3.org/ns/activitystreams#';
const NAME = [`${FOAF}name`, `${VCARD}fn`, `${AS}name`];
const NOTE = [`${VCARD}note`, `${AS}summary`];
const PHOTO = [`${VCARD}hasPhoto`, `${FOAF}img`, `${AS}icon`];

/**
 * A WebID profile (expanded JSON-LD, as a pod serves Turtle on negotiation) as profile.updated:
 * name from foaf:name / vcard:fn, summary from vcard:note, avatar from vcard:hasPhoto / foaf:img.
 * `etag` makes the event id differ per version of the document.
 */
export function profileEvent(body: string, webId: string, etag: string | undefined, occurredAt: string): { event?: BridgeEvent; ignored?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ignored: 'the WebID profile is not JSON-LD' };
  }
  const nodes = (Array.isArray(doc) ? doc : [doc]) as Record<string, unknown>[];
  const me = nodes.find((n) => n && n['@id'] === webId);
  if (!me) return { ignored: 'the WebID profile does not describe the WebID' };
  const profile: Profile = {};
  const name = first(me, NAME);
  const note = first(me, NOTE);
  const photo = first(me, PHOTO);
  if (name) profile.displayName = name.slice(0, 200);
  if (note) profile.summary = note.slice(0, 5_000);
  if (photo && /^https?:\/\//.test(photo)) profile.avatar = { url: photo, mediaType: 'image/*' };
  if (!profile.displayName && !profile.summary && !profile.avatar) return { ignored: 'the WebID profile has no name, note or photo' };
  const doc0 = webId.replace(/#.*$/, '');
  return {
    event: {
      v: EVENT_SCHEMA_VERSION,
      id: `solid:${doc0}@${etag ?? occurredAt}`,
      type: 'profile.updated',
      occurredAt,
      source: { network: 'solid', id: doc0, url: doc0 },
      actor: { network: 'solid', id: webId },
      profile,
      trace: { origin: 'solid', hops: 0 },
    },
  };
}

function first(node: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = node[k];
    for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
      if (typeof x === 'string' && x.trim()) return x.trim();
      if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        const s = typeof o['@value'] === 'string' ? o['@value'] : typeof o['@id'] === 'string' ? o['@id'] : undefined;
        if (s?.trim()) return s.trim();
      }
    }
  }
  return undefined;
}
