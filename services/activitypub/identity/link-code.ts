/**
 * One-time codes that prove control of a fediverse account without following anyone: the bridge
 * issues a code for one actor, the person puts it where only they can (a public post, a profile
 * field, the bio, or an `alsoKnownAs` entry), the bridge finds it there. Pure: no clock, no I/O.
 *
 * A code is `pontis-<expiry, base36 seconds>-<20 hex of HMAC-SHA256(secret, actor + expiry)>`:
 * bound to the actor it was issued for (someone else's code proves nothing about you) and to its
 * expiry (nobody can extend it), with nothing stored per code. Using it twice only links the same
 * actor again, which linking already treats as a no-op.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { asArray, idOf, isObject, typesOf, type AsObject } from '../mapping/index.js';

export const LINK_CODE_TTL_MS = 60 * 60_000;
const CODE = /pontis-([0-9a-z]{1,12})-([0-9a-f]{20})/g;

function mac(secret: Buffer, actorId: string, expiry: string): string {
  return createHmac('sha256', secret).update(`pontis.activitypub.link\n${actorId}\n${expiry}`).digest('hex').slice(0, 20);
}

export function issueLinkCode(secret: Buffer, actorId: string, nowMs: number, ttlMs = LINK_CODE_TTL_MS): { code: string; expiresAt: string } {
  const expiresS = Math.floor((nowMs + ttlMs) / 1000);
  const expiry = expiresS.toString(36);
  return { code: `pontis-${expiry}-${mac(secret, actorId, expiry)}`, expiresAt: new Date(expiresS * 1000).toISOString() };
}

export type CodeSearch = { ok: true; code: string; where: string } | { ok: false; reason: string };

/** The first valid code for `actorId` in the texts (by where they were found), or why there is none. */
export function findLinkCode(secret: Buffer, actorId: string, texts: { where: string; text: string }[], nowMs: number): CodeSearch {
  let expired = false;
  let foreign = false;
  for (const { where, text } of texts) {
    for (const m of text.matchAll(CODE)) {
      const [code, expiry, got] = m as unknown as [string, string, string];
      const want = mac(secret, actorId, expiry);
      if (!timingSafeEqual(Buffer.from(want), Buffer.from(got))) {
        foreign = true;
        continue;
      }
      if (parseInt(expiry, 36) * 1000 < nowMs) {
        expired = true;
        continue;
      }
      return { ok: true, code, where };
    }
  }
  if (expired) return { ok: false, reason: 'the code found has expired: ask for a new one' };
  if (foreign) return { ok: false, reason: 'the code found was not issued for this account' };
  return { ok: false, reason: 'no code found in the profile (bio, fields, alsoKnownAs) or the recent public posts' };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Where an actor document can carry a code: bio, name, profile fields (PropertyValue), alsoKnownAs, url. */
export function profileTexts(actor: AsObject): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const add = (where: string, v: unknown) => void (str(v) && out.push({ where, text: str(v)! }));
  add('summary', actor.summary);
  add('name', actor.name);
  for (const a of asArray(actor.attachment)) if (isObject(a)) add(`field ${str(a.name) ?? ''}`.trim(), `${str(a.name) ?? ''} ${str(a.value) ?? ''}`);
  for (const aka of asArray(actor.alsoKnownAs)) add('alsoKnownAs', idOf(aka));
  for (const u of asArray(actor.url)) add('url', idOf(u) ?? (isObject(u) ? str(u.href) : undefined));
  return out;
}

const AS_PUBLIC = ['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public'];

/** Public posts by the actor among outbox items (Create activities with embedded objects). */
export function postTexts(actorId: string, items: unknown[]): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const item of items) {
    if (!isObject(item) || !typesOf(item).includes('Create') || idOf(item.actor) !== actorId) continue;
    const object = item.object;
    if (!isObject(object) || idOf(object.attributedTo) !== actorId) continue;
    const audience = [...asArray(object.to), ...asArray(object.cc)].map(idOf);
    if (!audience.some((a) => a && AS_PUBLIC.includes(a))) continue;
    const text = str(object.content) ?? str(object.source && isObject(object.source) ? object.source.content : undefined);
    if (text) out.push({ where: `post ${String(object.id ?? '')}`.trim(), text });
  }
  return out;
}
