/**
 * NIP-65 relay lists (kind 10002), pure. "When seeking events FROM a user, clients SHOULD use the
 * WRITE relays"; "when broadcasting an event, clients SHOULD broadcast to the READ relays of each
 * tagged user". `["r", url]` is both, `["r", url, "read"|"write"]` one of them.
 */
import type { NostrEvent } from './nostr-protocol.js';

/** A list naming more is spam: real ones name 2–10 (NIP-65 asks clients to keep them small). */
export const MAX_RELAYS_PER_AUTHOR = 20;

/** `wss://Relay.Example/` → `wss://relay.example`; anything but a plain ws(s) URL → undefined. */
export function normalizeRelayUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'wss:' && u.protocol !== 'ws:') || u.username || u.password || !u.hostname) return undefined;
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${path}${u.search}`;
}

function relaysMarked(event: Pick<NostrEvent, 'tags'>, marker: 'read' | 'write'): string[] {
  const out = new Set<string>();
  for (const t of event.tags) {
    if (t[0] !== 'r' || (t[2] !== undefined && t[2] !== marker)) continue;
    const url = normalizeRelayUrl(t[1]);
    if (url) out.add(url);
    if (out.size >= MAX_RELAYS_PER_AUTHOR) break;
  }
  return [...out];
}

/** Where the author publishes (what we read from). */
export function writeRelaysOf(event: Pick<NostrEvent, 'tags'>): string[] {
  return relaysMarked(event, 'write');
}

/** Where the author reads (their "inbox": where we send events that tag them). */
export function readRelaysOf(event: Pick<NostrEvent, 'tags'>): string[] {
  return relaysMarked(event, 'read');
}

/** NIP-01 replaceable rule: the newest per author wins, a tie goes to the lowest id. */
export function newestPerAuthor(events: readonly NostrEvent[]): Map<string, NostrEvent> {
  const out = new Map<string, NostrEvent>();
  for (const e of events) {
    const old = out.get(e.pubkey);
    if (!old || e.created_at > old.created_at || (e.created_at === old.created_at && e.id < old.id)) out.set(e.pubkey, e);
  }
  return out;
}
