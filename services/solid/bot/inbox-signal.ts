/**
 * What a notification POSTed to the bridge WebID's inbox (LDN, AS2 JSON-LD) says to the bot (pure).
 * The sender is already proven (their DPoP-bound token); an `actor` in the body must be them.
 * - `Follow` of the bridge's WebID → follow (opt in);
 * - `Block` of it → block; `Undo` of a Follow of it → unfollow (both opt out, libs/consent);
 * - a `Note` (or a `Create` of one) → a message whose text is a command (`start` / `stop`).
 */
import type { BotSignal } from '../../../libs/consent/index.js';

export type InboxSignal = { ok: true; signal: BotSignal } | { ok: false; reason: string };

const idOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : undefined);
const typeOf = (v: unknown): string | undefined => {
  const t = v && typeof v === 'object' ? (v as { type?: unknown; '@type'?: unknown }).type ?? (v as { '@type'?: unknown })['@type'] : undefined;
  const first = Array.isArray(t) ? t[0] : t;
  return typeof first === 'string' ? first.replace(/^(as:|https:\/\/www\.w3\.org\/ns\/activitystreams#)/, '') : undefined;
};
const textOf = (v: Record<string, unknown>): string | undefined => [v.content, v.name, v.summary].find((x): x is string => typeof x === 'string');

export function inboxSignal(body: unknown, o: { bridgeWebId: string; sender: string }): InboxSignal {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, reason: 'the body must be one AS2 activity as a JSON(-LD) object' };
  const activity = body as Record<string, unknown>;
  const type = typeOf(activity);
  if (!type) return { ok: false, reason: 'the activity has no type' };
  const actor = idOf(activity.actor ?? activity.attributedTo);
  if (actor !== undefined && actor !== o.sender) return { ok: false, reason: `the activity's actor ${actor} is not you (${o.sender})` };
  const aboutBridge = (v: unknown) => idOf(v) === o.bridgeWebId;
  switch (type) {
    case 'Follow':
      return aboutBridge(activity.object) ? { ok: true, signal: { kind: 'follow' } } : { ok: false, reason: `a Follow here must name the bridge's WebID ${o.bridgeWebId} as its object` };
    case 'Block':
      return aboutBridge(activity.object) ? { ok: true, signal: { kind: 'block' } } : { ok: false, reason: `a Block here must name the bridge's WebID ${o.bridgeWebId} as its object` };
    case 'Undo': {
      const inner = activity.object;
      if (typeOf(inner) === 'Follow' && aboutBridge((inner as Record<string, unknown>).object)) return { ok: true, signal: { kind: 'unfollow' } };
      return { ok: false, reason: `an Undo here must embed the Follow of ${o.bridgeWebId} it undoes` };
    }
    case 'Create': {
      const inner = activity.object;
      if (!inner || typeof inner !== 'object' || typeOf(inner) !== 'Note') return { ok: false, reason: 'a Create here must embed a Note' };
      return noteSignal(inner as Record<string, unknown>);
    }
    case 'Note':
      return noteSignal(activity);
    default:
      return { ok: false, reason: `${type} means nothing to the bridge's inbox (Follow, Block, Undo of a Follow, or a Note saying start or stop)` };
  }
}

function noteSignal(note: Record<string, unknown>): InboxSignal {
  const text = textOf(note);
  return text === undefined ? { ok: false, reason: 'the Note has no content' } : { ok: true, signal: { kind: 'message', text } };
}
