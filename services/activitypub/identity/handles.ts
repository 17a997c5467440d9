/**
 * Usernames of bridged actors (`@<username>@<our domain>`), derived from the person's original
 * identity so they are predictable, and shaped so Mastodon accepts them: Mastodon's remote
 * username pattern is `[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?`, so dots and dashes may appear only
 * inside, underscores anywhere.
 *
 * | original | username |
 * |---|---|
 * | Bluesky `alice.bsky.social` | `alice.bsky.social` |
 * | Nostr with NIP-05 `bob@example.com` | `bob.example.com` (`_@example.com` → `example.com`) |
 * | Nostr without NIP-05 | its `npub1…` |
 * | Solid WebID `https://carol.pod.example/profile/card#me` | `carol.pod.example` (plus the path for pods on a shared host: `pod.example.carol`) |
 *
 * Then: lowercase; `~` → `-` (Bridgy Fed's choice); anything outside `[a-z0-9._-]` → `_`; a
 * leading or trailing `.`, `-` → `_` (instead of refusing the name, Bridgy Fed #1005); at most 64
 * characters. On a collision (another identity already has it, e.g. `A~b` and `a-b`), or for a
 * reserved name, the fallback appends `_` and 6 hex of sha256(original id).
 */
import { createHash } from 'node:crypto';
import { npubEncode } from 'nostr-tools/nip19';

export const MAX_USERNAME = 64;
/** Names the bridge uses itself. */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set(['pontis', 'instance', 'actor', 'admin', 'inbox', 'relay', 'bridge']);

export interface SourceIdentity {
  network: 'atproto' | 'nostr' | 'solid' | 'activitypub';
  nativeId: string;
  handle?: string | null;
}

export function normalizeUsername(raw: string): string {
  let s = raw.normalize('NFKC').toLowerCase().replace(/~/g, '-').replace(/[^a-z0-9._-]/g, '_');
  s = s.replace(/^[.-]+/, (m) => '_'.repeat(m.length)).replace(/[.-]+$/, (m) => '_'.repeat(m.length));
  if (s.length > MAX_USERNAME) s = s.slice(0, MAX_USERNAME).replace(/[.-]+$/, '_');
  return s || '_';
}

function baseName(src: SourceIdentity): string {
  const h = src.handle?.replace(/^@/, '');
  switch (src.network) {
    case 'atproto':
      return h && !h.startsWith('did:') ? h : src.nativeId.replace(/^did:(plc|web):/, '');
    case 'nostr': {
      if (h && h.includes('@')) {
        const [name, domain] = h.split('@') as [string, string];
        return name === '_' ? domain : `${name}.${domain}`;
      }
      return /^[0-9a-f]{64}$/.test(src.nativeId) ? npubEncode(src.nativeId) : src.nativeId;
    }
    case 'solid':
    case 'activitypub': {
      try {
        const u = new URL(src.nativeId);
        const path = u.pathname.split('/').filter((p) => p && !['profile', 'card', 'users', 'u', 'people'].includes(p));
        return [u.hostname, ...path].join('.');
      } catch {
        return src.nativeId;
      }
    }
  }
}

export function bridgedUsername(src: SourceIdentity): { name: string; fallback: string } {
  const name = normalizeUsername(baseName(src));
  const suffix = `_${createHash('sha256').update(`${src.network}:${src.nativeId}`).digest('hex').slice(0, 6)}`;
  const fallback = normalizeUsername(name.slice(0, MAX_USERNAME - suffix.length) + suffix);
  return RESERVED_USERNAMES.has(name) ? { name: fallback, fallback } : { name, fallback };
}
