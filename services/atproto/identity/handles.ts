/*
 * Handles of bridged accounts on our PDS (README has the table). Pure: whether a handle is free
 * is the caller's question, so each choice comes with a deterministic fallback.
 *
 * The reference PDS takes exactly one label in front of a service handle domain, 3 to 18
 * characters (pds handle/index.ts `ensureHandleServiceConstraints`), of `a-z 0-9 -`, not starting
 * or ending with `-` (atproto handle syntax). So:
 *   <name>-<net>.<domain>   e.g. `alice-ap.bsky.pontis.example`, `bob-nostr.bsky.pontis.example`
 * name: the person's user name on their network (ActivityPub `@alice@host` → `alice`, NIP-05
 * `bob@domain` → `bob`, an npub → its first characters, Solid `/alice/profile/card#me` → `alice`),
 * folded to ASCII (diacritics dropped), `_ . ~ +` and anything else outside `a-z0-9` become `-`,
 * runs of `-` collapse, and it is cut to fit. Fallback (the name is taken, e.g. two `alice`s on
 * two instances): `<shorter name>-<4 chars of sha256(native id)>-<net>`.
 */
import { createHash } from 'node:crypto';

export const LABEL_MIN = 3;
export const LABEL_MAX = 18;
const NET_CODE: Record<string, string> = { activitypub: 'ap', nostr: 'nostr', solid: 'solid', atproto: 'at' };
const HASH_CHARS = 4;

export interface HandleSource {
  network: string;
  nativeId: string;
  handle?: string | null;
}

export interface HandleChoice {
  handle: string;
  fallback: string;
}

/** `domain` with its leading dot, e.g. `.bsky.pontis.example` (or `.test` on dev-env). */
export function bridgedHandle(source: HandleSource, domain: string): HandleChoice {
  const code = NET_CODE[source.network] ?? 'x';
  const name = slug(userName(source)) || 'user';
  const room = LABEL_MAX - code.length - 1;
  const first = joinLabel(name.slice(0, room), code);
  const hash = createHash('sha256').update(`${source.network}:${source.nativeId}`).digest('hex').slice(0, HASH_CHARS);
  const fallback = joinLabel(`${trimHyphens(name.slice(0, room - HASH_CHARS - 1))}-${hash}`, code);
  return { handle: `${pad(first)}${domain}`, fallback: `${pad(fallback)}${domain}` };
}

/** The part of the original identity a person would recognise as their name. */
export function userName(s: HandleSource): string {
  const h = (s.handle ?? '').trim().replace(/^acct:/, '').replace(/^@/, '');
  if (s.network === 'activitypub' || s.network === 'nostr') {
    if (h.includes('@')) return h.split('@')[0]!.replace(/^_$/, 'root');
    if (s.network === 'nostr') return h || (s.nativeId.startsWith('npub') ? s.nativeId.slice(4, 12) : s.nativeId.slice(0, 8));
    return h || lastPathSegment(s.nativeId);
  }
  if (s.network === 'solid') {
    try {
      const u = new URL(s.nativeId);
      const first = u.pathname.split('/').filter(Boolean)[0];
      return first && first !== 'profile' ? first : u.hostname.split('.')[0]!;
    } catch {
      return '';
    }
  }
  return h.split('.')[0] ?? '';
}

export function slug(s: string): string {
  return trimHyphens(
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
  );
}

function joinLabel(name: string, code: string): string {
  return `${trimHyphens(name) || 'user'}-${code}`;
}

function trimHyphens(s: string): string {
  return s.replace(/-+/g, '-').replace(/^-+|-+$/g, '');
}

function pad(label: string): string {
  return label.length >= LABEL_MIN ? label : `${label}-x`.slice(0, LABEL_MIN);
}

function lastPathSegment(url: string): string {
  try {
    return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
  } catch {
    return '';
  }
}

/** Handle syntax (atproto `ensureValidHandle`), for what comes back from elsewhere. */
export function isValidHandle(h: string): boolean {
  return h.length <= 253 && /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(h);
}
