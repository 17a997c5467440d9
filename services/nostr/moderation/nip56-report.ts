/**
 * NIP-56 reports (kind 1984) in and out.
 *
 * In: a report whose `p` tags name one of our bridged pubkeys becomes report.created for the
 * bridge's moderators; its `e` tags are the reported notes. Reports about people we do not bridge
 * are none of our business (ignored). Pure.
 *
 * Out: the kind 1984 the bridge's own key publishes to forward a report made elsewhere about a
 * bridged Nostr person (their home network): NIP-56 wants the report type as the third element of
 * the `p` and `e` tags; the reason goes in `content`.
 */
import type { ActorRef, BridgeEvent, ObjectRef } from '../../../libs/events/index.js';
import type { MapResult } from '../mapping/context.js';
import { baseEvent, type Envelope } from '../mapping/inbound-envelope.js';
import { shortText, wellFormed } from '../mapping/inbound-guard.js';
import { TAG } from '../mapping/nostr-protocol.js';
import { isHex64 } from '../mapping/nostr-refs.js';

export const REPORT_KIND = 1984;

/** NIP-56 report types; anything else a client sends is kept in the reason as text. */
export const NIP56_TYPES = ['nudity', 'malware', 'profanity', 'illegal', 'spam', 'impersonation', 'other'] as const;

/** Most actors and objects one report may name (a hostile report must stay bounded). */
const MAX_NAMED = 100;

export function reportEvents(env: Envelope): MapResult {
  const bridged = env.ctx.bridgedPubkeys ?? new Set<string>();
  const ps = env.tags.filter((t) => t[0] === TAG.pubkey && isHex64(t[1]));
  const actors: ActorRef[] = [...new Set(ps.map((t) => t[1]!).filter((p) => bridged.has(p)))].slice(0, MAX_NAMED).map((id) => ({ network: 'nostr', id }));
  if (!actors.length) return { events: [], ignored: 'report names no bridged pubkey' };
  const objects: ObjectRef[] = [...new Set(env.tags.filter((t) => t[0] === TAG.event && isHex64(t[1])).map((t) => t[1]!))]
    .slice(0, MAX_NAMED)
    .map((id) => ({ network: 'nostr', id }));
  const types = [...new Set([...ps, ...env.tags.filter((t) => t[0] === TAG.event)].map((t) => t[2]).filter((x): x is string => !!x))];
  const words = shortText(wellFormed(env.ev.content).trim(), 5000);
  const reason = [types.length ? `[${types.slice(0, 5).map((t) => t.slice(0, 32)).join(', ')}]` : '', words ?? ''].filter(Boolean).join(' ');
  const event: BridgeEvent = { ...baseEvent(env, 'report.created', env.ev.id), report: { ...(reason && { reason }), actors, objects } };
  return { events: [event] };
}

/** The unsigned kind 1984 forwarding a report to the reported person's home network. */
export function forwardedReport(o: { actors: string[]; objects: { id: string; author?: string }[]; reason?: string; reporterNetwork: string; createdAt: number }) {
  const type = nip56Type(o.reason);
  const tags: string[][] = [];
  for (const p of o.actors) tags.push([TAG.pubkey, p, type]);
  for (const e of o.objects) {
    tags.push([TAG.event, e.id, type]);
    if (e.author && !o.actors.includes(e.author)) tags.push([TAG.pubkey, e.author, type]);
  }
  const content = `Reported on ${o.reporterNetwork} through the Pontis bridge${o.reason ? `: ${o.reason}` : ''}`.slice(0, 5000);
  return { kind: REPORT_KIND, created_at: o.createdAt, tags, content };
}

function nip56Type(reason: string | undefined): string {
  const lower = (reason ?? '').toLowerCase();
  return NIP56_TYPES.find((t) => t !== 'other' && lower.includes(t)) ?? 'other';
}
