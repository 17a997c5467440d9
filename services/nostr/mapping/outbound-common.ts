/** Pieces every rendered event shares: timestamp, provenance (NIP-48 + NIP-32), tag helpers. */
import type { OutboundCommand } from '../../../libs/events/index.js';
import type { RenderContext } from './context.js';
import { PONTIS_LABEL_NAMESPACE, PROXY_PROTOCOL, TAG } from './nostr-protocol.js';

/** `created_at` from the event time, so rendering the same command twice gives the same event id (idempotent delivery). */
export function createdAt(command: OutboundCommand, ctx: RenderContext): number {
  if (ctx.createdAt !== undefined) return ctx.createdAt;
  const ms = Date.parse(command.event.occurredAt);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
}

/**
 * NIP-48 `["proxy", <id>, <protocol>]` names the original ("the event did not originate on Nostr";
 * clients link to it, bridges such as momostr and Mostr refuse to bridge it back), and a NIP-32
 * label says which bridge and from which network, so our own copies are recognized coming back
 * even when published with a person's own key. Nothing for objects that came from Nostr itself.
 */
export function provenanceTags(command: OutboundCommand, proxyId: string = command.event.source.id): string[][] {
  const network = command.event.source.network;
  if (network === 'nostr') return [];
  const protocol = PROXY_PROTOCOL[network];
  // NIP-48 wants an AT URI for atproto; an account-level source is a bare DID.
  const id = network === 'atproto' && proxyId.startsWith('did:') ? `at://${proxyId}` : proxyId;
  const tags = [
    [TAG.proxy, id, protocol],
    [TAG.labelNamespace, PONTIS_LABEL_NAMESPACE],
    [TAG.label, network, PONTIS_LABEL_NAMESPACE],
  ];
  // NIP-70: only the author (the bridge, authenticated with NIP-42) may publish a bridged identity's
  // event to a relay; others cannot spread our copies to relays that did not choose to carry them
  // (momostr does the same). Not on a person's own key: where their notes go is theirs to decide.
  if (command.as.mode === 'bridged') tags.push([TAG.protected]);
  return tags;
}

/** Appends a tag unless an identical one is already there (p tags from mentions and replies overlap). */
export function addTag(tags: string[][], tag: string[]): void {
  if (!tags.some((t) => t.length === tag.length && t.every((x, i) => x === tag[i]))) tags.push(tag);
}

/** `["e", id, relay, marker?, pubkey?]` with empty strings only where a later element needs the slot (NIP-10). */
export function trimTag(tag: (string | undefined)[]): string[] {
  const out = tag.map((x) => x ?? '');
  while (out.length > 2 && out[out.length - 1] === '') out.pop();
  return out;
}
