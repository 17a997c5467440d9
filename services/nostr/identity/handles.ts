import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { npubEncode } from 'nostr-tools/nip19';
import {
  AP_AT,
  NAME_FALLBACK_HASH_CHARS,
  NAME_HASH_CHARS,
  NIP05_NAME_CHARS,
  NIP05_NAME_MAX,
  NIP05_ROOT_NAME,
  NPUB_FALLBACK_FINGERPRINT_CHARS,
  NPUB_FINGERPRINT_CHARS,
  PROFILE_NAME_SLUG_MAX,
  SOLID_MARK,
  USERNAME_MAX,
} from './constants.js';

/*
 * Names in both directions (README has the table). Pure: no I/O; whether a name is free is the
 * caller's question, so every choice comes with a deterministic fallback.
 *
 * Other networks → NIP-05 local part (served as `<name>@<our domain>`). Namespaces are disjoint
 * so an exact name never collides across networks:
 *   ActivityPub  `<user>_at_<host>`  (Mostr's and momostr's scheme, so people recognise it;
 *                                     a host never contains `_`, so the last `_at_` splits it)
 *   AT Protocol  `<handle>`          (already `a-z0-9.-`; never contains `_`; Bridgy's choice too)
 *                `did-plc-<id>`      (no valid handle)
 *   Solid        `<host>_solid`, `<user>_at_<host>_solid` (WebID /profile/card#me, https)
 * Anything lossy (characters mapped, guessed, too long) ends in `_<hex>` from sha256 of the
 * native id: still readable, never confused with an exact name, and stable across runs.
 */

export type BridgedSource =
  /** handle: `@user@host`, `user@host` or `acct:user@host`; nativeId: the actor URL. */
  | { network: 'activitypub'; nativeId: string; handle?: string | null }
  /** handle: `alice.bsky.social`; nativeId: the DID. */
  | { network: 'atproto'; nativeId: string; handle?: string | null }
  /** nativeId: the WebID. */
  | { network: 'solid'; nativeId: string };

export interface Nip05NameChoice {
  /** Try this first. */
  name: string;
  /** When `name` belongs to another identity: differs from `name`, same every time. */
  fallback: string;
  /** `name` spells the native handle exactly (up to case), so readBridgedName gives it back. */
  exact: boolean;
}

export function bridgedNip05Name(source: BridgedSource): Nip05NameChoice {
  const { head, tail, exact } = baseName(source);
  const base = head + tail;
  const hash = sha256hex(`${source.network}:${source.nativeId}`);
  const hashed = (chars: number): string => {
    const suffix = `_${hash.slice(0, chars)}`;
    // Shorten the user part first so the host stays readable; the whole name only if need be.
    const room = NIP05_NAME_MAX - suffix.length - tail.length;
    const kept = room >= 1 ? trimEnd(head.slice(0, room)) + tail : base;
    return withSuffix(kept, suffix, NIP05_NAME_MAX);
  };
  const name = exact && base.length <= NIP05_NAME_MAX ? base : hashed(NAME_HASH_CHARS);
  return { name, fallback: hashed(NAME_FALLBACK_HASH_CHARS), exact: name === base };
}

/** NIP-05 local-part syntax (lowercase), within our length bound. `_` is the root name. */
export function isValidNip05Name(name: string): boolean {
  return name.length > 0 && name.length <= NIP05_NAME_MAX && NIP05_NAME_CHARS.test(name);
}

export type ReadName = { network: 'activitypub'; handle: string } | { network: 'atproto'; handle: string } | { network: 'atproto'; did: string } | { network: 'solid'; webId: string };

/** The other direction for exact names; null for hashed (look those up) or foreign names. */
export function readBridgedName(name: string): ReadName | null {
  if (!isValidNip05Name(name) || name === NIP05_ROOT_NAME) return null;
  if (HASHED.test(name)) return null;
  if (name.endsWith(SOLID_MARK)) {
    const rest = name.slice(0, -SOLID_MARK.length);
    const at = rest.lastIndexOf(AP_AT);
    if (at < 0) return isHost(rest) ? { network: 'solid', webId: `https://${rest}/profile/card#me` } : null;
    const host = rest.slice(at + AP_AT.length);
    return isHost(host) ? { network: 'solid', webId: `https://${host}/${rest.slice(0, at)}/profile/card#me` } : null;
  }
  const at = name.lastIndexOf(AP_AT);
  if (at > 0) {
    const host = name.slice(at + AP_AT.length);
    return isHost(host) ? { network: 'activitypub', handle: `${name.slice(0, at)}@${host}` } : null;
  }
  const did = /^did-(plc|web)-(.+)$/.exec(name);
  if (did) return { network: 'atproto', did: `did:${did[1]}:${did[2]}` };
  return isHost(name) ? { network: 'atproto', handle: name } : null;
}

// ---------------------------------------------------------------------------------------------

const HASHED = new RegExp(`_(?:[0-9a-f]{${NAME_HASH_CHARS}}|[0-9a-f]{${NAME_FALLBACK_HASH_CHARS}})$`);

/** `head` may be shortened, `tail` (`_at_host`, `_solid`) is kept when it fits. */
type Base = { head: string; tail: string; exact: boolean };

function baseName(source: BridgedSource): Base {
  switch (source.network) {
    case 'activitypub':
      return activityPubBase(source.handle ?? null, source.nativeId);
    case 'atproto':
      return atprotoBase(source.handle ?? null, source.nativeId);
    case 'solid':
      return solidBase(source.nativeId);
  }
}

function activityPubBase(handle: string | null, actorId: string): Base {
  const acct = handle ? parseAcct(handle) : null;
  if (acct) {
    const user = fold(acct.user) || 'user';
    const host = asciiHost(acct.host);
    return { head: user, tail: `${AP_AT}${host.name}`, exact: user === acct.user.toLowerCase() && host.exact };
  }
  // No usable handle (WebFinger failed): guess from the actor URL, and say it is a guess.
  const url = httpUrl(actorId);
  if (!url) throw new TypeError('an ActivityPub actor needs a user@host handle or an http(s) id');
  const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
  return { head: fold(last.replace(/^@/, '')) || 'user', tail: `${AP_AT}${asciiHost(url.host).name}`, exact: false };
}

function atprotoBase(handle: string | null, did: string): Base {
  const h = handle?.trim().toLowerCase().replace(/^@/, '');
  // handle.invalid is what AppView shows when a handle no longer resolves to the DID.
  if (h && h !== 'handle.invalid' && isHost(h)) return { head: h, tail: '', exact: true };
  const dashed = did.trim().replace(/:/g, '-');
  const base = fold(dashed) || 'did';
  return { head: base, tail: '', exact: base === dashed && /^did-(plc|web)-/.test(base) };
}

function solidBase(webId: string): Base {
  const url = httpUrl(webId);
  if (!url) throw new TypeError('a Solid WebID must be an http(s) URL');
  // The common pod layouts: https://alice.pod.example/profile/card#me, https://pod.example/alice/profile/card#me
  const m = /^\/(?:([^/]+)\/)?profile\/card$/.exec(url.pathname);
  const host = asciiHost(url.host); // url.host keeps a port, which then reads as lossy
  const rawUser = m?.[1] ? safeDecode(m[1]) : null;
  const user = rawUser === null ? null : fold(rawUser) || 'user';
  const standard = Boolean(m) && url.protocol === 'https:' && url.hash === '#me' && !url.search && !url.username;
  const exact = standard && host.exact && (rawUser === null || user === rawUser.toLowerCase());
  return user ? { head: user, tail: `${AP_AT}${host.name}${SOLID_MARK}`, exact } : { head: host.name, tail: SOLID_MARK, exact };
}

function parseAcct(handle: string): { user: string; host: string } | null {
  const h = handle.trim().replace(/^acct:/i, '').replace(/^@/, '');
  const at = h.lastIndexOf('@');
  if (at <= 0 || at === h.length - 1) return null;
  return { user: h.slice(0, at), host: h.slice(at + 1) };
}

/** IDN hosts become punycode (exact: it reads back); anything else odd is folded and marked. */
function asciiHost(raw: string): { name: string; exact: boolean } {
  const ascii = domainToASCII(raw.trim().toLowerCase());
  if (ascii && isHost(ascii)) return { name: ascii, exact: true };
  return { name: fold(ascii || raw) || 'host', exact: false };
}

/** A DNS name with at least two labels: what an exact name's host part must be. */
function isHost(s: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(s);
}

/** Lowercase, strip accents, map the rest to `-`, no runs or edge dots/dashes (`_` is kept). */
function fold(raw: string): string {
  return deaccent(raw)
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
}

/** Cuts `base` to leave room for `suffix` within `max`, never ending in a separator. */
function withSuffix(base: string, suffix: string, max: number): string {
  return trimEnd(base.slice(0, max - suffix.length)) + suffix;
}

function trimEnd(s: string): string {
  return s.replace(/[._-]+$/, '');
}

/** Latin letters NFKD does not decompose, spelled as people would type them. */
const LATIN: Record<string, string> = { æ: 'ae', œ: 'oe', ø: 'o', ß: 'ss', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h' };

function deaccent(raw: string): string {
  return raw
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[æœøßđðþłıħ]/g, (c) => LATIN[c]!);
}

function httpUrl(s: string): URL | null {
  try {
    const url = new URL(s);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sha256hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Nostr people on the other networks.

export interface NostrPerson {
  /** 64-char lowercase hex. */
  pubkey: string;
  /** Only a NIP-05 the caller has verified (it is I/O: fetch nostr.json, compare the pubkey). */
  verifiedNip05?: string | null;
  /** kind-0 `name` (or `display_name`). */
  name?: string | null;
}

export interface NostrHandle {
  /**
   * Lowercase `[a-z0-9.-]`, labels not starting or ending in `-`, at most 63 chars: valid as an
   * ActivityPub preferredUsername and as the first labels of an AT Protocol handle alike.
   */
  username: string;
  /** When `username` is taken by someone else: with a longer npub fingerprint. */
  fallback: string;
  /** For display: the NIP-05 as clients show it (`_@d` → `d`), else the name, else the fingerprint. */
  display: string;
  source: 'nip05' | 'name' | 'npub';
}

/**
 * Verified NIP-05 first (`bob@example.com` → `bob.example.com`, `_@example.com` → `example.com`),
 * else the kind-0 name plus an npub fingerprint (`alice-npub1abcdefgh`), else the fingerprint:
 * never the 64-char hex people could not tell apart (mostr#44).
 */
export function nostrHandleFor(person: NostrPerson): NostrHandle {
  if (!/^[0-9a-f]{64}$/.test(person.pubkey)) throw new TypeError('pubkey must be 64 lowercase hex characters');
  const fp = npubFingerprint(person.pubkey);
  const fpLong = npubFingerprint(person.pubkey, NPUB_FALLBACK_FINGERPRINT_CHARS);
  const nip05 = person.verifiedNip05 ? parseNip05(person.verifiedNip05) : null;
  if (nip05) {
    const base = labels(nip05.local === NIP05_ROOT_NAME ? nip05.domain : `${nip05.local}.${nip05.domain}`);
    const username = base.length <= USERNAME_MAX ? base : withSuffix(base, `-${fp}`, USERNAME_MAX);
    return { username, fallback: withSuffix(base, `-${fpLong}`, USERNAME_MAX), display: nip05.display, source: 'nip05' };
  }
  const name = person.name ? cleanDisplay(person.name) : '';
  const slug = labels(name).replace(/\./g, '-').slice(0, PROFILE_NAME_SLUG_MAX).replace(/-+$/, '');
  if (slug) return { username: `${slug}-${fp}`, fallback: `${slug}-${fpLong}`, display: name, source: 'name' };
  return { username: fp, fallback: fpLong, display: name || fp, source: 'npub' };
}

/** `npub1` plus the first `chars` characters of the key's bech32 data. */
export function npubFingerprint(pubkey: string, chars = NPUB_FINGERPRINT_CHARS): string {
  return npubEncode(pubkey).slice(0, 'npub1'.length + chars);
}

function parseNip05(raw: string): { local: string; domain: string; display: string } | null {
  const text = raw.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  const local = at < 0 ? NIP05_ROOT_NAME : text.slice(0, at);
  const domain = domainToASCII(at < 0 ? text : text.slice(at + 1));
  if (!isHost(domain) || !local || !NIP05_NAME_CHARS.test(local)) return null;
  return { local, domain, display: local === NIP05_ROOT_NAME ? domain : `${local}@${domain}` };
}

/** Dot-separated labels of `[a-z0-9-]`, trimmed of `-`, each at most 63 (AT handle syntax). */
function labels(raw: string): string {
  return deaccent(raw)
    .replace(/[^a-z0-9.]+/g, '-')
    .split('.')
    .map((l) => l.replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, ''))
    .filter(Boolean)
    .join('.');
}

/** No control or bidi-override characters (a name must not reorder the text around it), bounded. */
function cleanDisplay(raw: string): string {
  const cleaned = raw.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '').trim();
  return [...cleaned].slice(0, NIP05_NAME_MAX).join('');
}
