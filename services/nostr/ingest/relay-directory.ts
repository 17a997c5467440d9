/**
 * NIP-65 (kind 10002) relay lists of watched authors. NIP-65: "when seeking events FROM a user,
 * clients SHOULD use the WRITE relays of the user's kind:10002": `["r", url]` (read and write) or
 * `["r", url, "write"]`. The newest list per author wins (replaceable, NIP-01 tie: lowest id).
 */
import type { NostrEvent } from '../mapping/index.js';

/** A list naming more is spam: real ones name 2–10 (NIP-65 asks clients to keep them small). */
const MAX_RELAYS_PER_AUTHOR = 20;

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

export function writeRelaysOf(event: Pick<NostrEvent, 'tags'>): string[] {
  const out = new Set<string>();
  for (const t of event.tags) {
    if (t[0] !== 'r' || (t[2] !== undefined && t[2] !== 'write')) continue;
    const url = normalizeRelayUrl(t[1]);
    if (url) out.add(url);
    if (out.size >= MAX_RELAYS_PER_AUTHOR) break;
  }
  return [...out];
}

interface Entry {
  id: string;
  createdAt: number;
  relays: string[];
}

export class RelayDirectory {
  private readonly byAuthor = new Map<string, Entry>();

  /** Takes a verified kind 10002; true when the author's relays changed. Older lists are ignored. */
  update(event: NostrEvent): boolean {
    const old = this.byAuthor.get(event.pubkey);
    if (old && (event.created_at < old.createdAt || (event.created_at === old.createdAt && event.id >= old.id))) return false;
    const relays = writeRelaysOf(event);
    this.byAuthor.set(event.pubkey, { id: event.id, createdAt: event.created_at, relays });
    return !old || old.relays.join(' ') !== relays.join(' ');
  }

  /** Forgets authors no longer watched; true when something was removed. */
  prune(watched: ReadonlySet<string>): boolean {
    let changed = false;
    for (const pk of this.byAuthor.keys()) if (!watched.has(pk)) changed = this.byAuthor.delete(pk) || changed;
    return changed;
  }

  /** At most `max` relays, those named by the most authors first (ties by URL, so the choice is stable). */
  relays(max: number): string[] {
    const count = new Map<string, number>();
    for (const e of this.byAuthor.values()) for (const r of e.relays) count.set(r, (count.get(r) ?? 0) + 1);
    return [...count.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, max)
      .map(([url]) => url);
  }
}
