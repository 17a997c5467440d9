/**
 * apex keeps documents in JSON-LD compacted with `compactArrays: false` (every property an
 * array, `id`/`type` plain). Remote documents are put in that shape by hand for the few
 * properties apex's routes read, instead of running them through JSON-LD processing (which would
 * need their contexts); the compact original rides along in `_meta.raw`.
 */
import { asArray, idOf, isObject, type AsObject } from '../mapping/index.js';

function arr(v: unknown): unknown[] {
  return asArray(v).map((x) => (isObject(x) ? apexForm(x) : x));
}

export function apexForm(doc: AsObject): AsObject {
  const out: AsObject = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === '@context') continue;
    if (k === 'id' || k === 'type') out[k] = Array.isArray(v) && k === 'type' ? v[0] : v;
    else out[k] = arr(v);
  }
  return out;
}

/** The inbox to deliver to for an actor document in apex form (shared inbox when asked and offered). */
export function inboxOf(actor: AsObject, preferShared: boolean): string | undefined {
  const shared = asArray(actor.endpoints)
    .map((e) => (isObject(e) ? idOf(asArray(e.sharedInbox)[0]) : undefined))
    .find(Boolean);
  const own = idOf(asArray(actor.inbox)[0]);
  return preferShared ? (shared ?? own) : (own ?? shared);
}
