import { createHash } from 'node:crypto';
import { getEventHash, verifyEvent, type Event } from 'nostr-tools/pure';
import { NIP98_KIND, NIP98_MAX_HEADER_CHARS, NIP98_MAX_SKEW_SECONDS } from './constants.js';

/*
 * NIP-98 HTTP Auth (https://github.com/nostr-protocol/nips/blob/master/98.md): a person proves
 * they hold an npub by signing a kind-27235 event naming this exact request. We use it before
 * linking a native Nostr identity. Pure: clock and request are inputs.
 */

export interface Nip98Request {
  /** The Authorization header as received. */
  authorization: string | null | undefined;
  /** The absolute URL the client called, as it called it (scheme, host, path, query). */
  url: string;
  method: string;
  /** Raw body bytes; absent or empty means no body. */
  body?: Uint8Array | string | null;
}

export interface Nip98Options {
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  maxSkewSeconds?: number;
  /**
   * NIP-98: clients SHOULD send a `payload` tag for a body, servers MAY check it. A present tag is
   * always checked; with this on, a body without one is refused (use it for state-changing calls:
   * otherwise a header replayed within the window could carry another body).
   */
  requirePayload?: boolean;
}

export type Nip98Result = { ok: true; pubkey: string; eventId: string } | { ok: false; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * Cheap checks first, the Schnorr verification (~2 ms in pure JS) last. A valid header can be
 * replayed to the same URL within the window: callers that change state should remember
 * `eventId` for twice the window and refuse it a second time.
 */
export function verifyNip98(req: Nip98Request, opts: Nip98Options = {}): Nip98Result {
  const fail = (reason: string): Nip98Result => ({ ok: false, reason });
  const header = req.authorization?.trim();
  if (!header) return fail('missing Authorization header');
  if (header.length > NIP98_MAX_HEADER_CHARS) return fail(`Authorization header longer than ${NIP98_MAX_HEADER_CHARS} characters`);
  const m = /^Nostr\s+(\S+)$/i.exec(header); // auth schemes are case-insensitive (RFC 9110 §11.1)
  if (!m) return fail('Authorization scheme must be "Nostr <base64 event>"');

  const event = decodeEvent(m[1]!);
  if (typeof event === 'string') return fail(event);

  if (event.kind !== NIP98_KIND) return fail(`event kind is ${event.kind}, NIP-98 needs ${NIP98_KIND}`);

  const now = Math.floor((opts.now ?? Date.now)() / 1000);
  const skew = opts.maxSkewSeconds ?? NIP98_MAX_SKEW_SECONDS;
  if (event.created_at < now - skew) return fail(`event is stale: created ${now - event.created_at} s ago (limit ${skew} s)`);
  if (event.created_at > now + skew) return fail(`event is from the future: ${event.created_at - now} s ahead (limit ${skew} s)`);

  const u = single(event, 'u');
  if (typeof u !== 'string') return fail(u.error);
  if (!sameUrl(u, req.url)) return fail('u tag does not match the request URL');

  const method = single(event, 'method');
  if (typeof method !== 'string') return fail(method.error);
  if (method.toUpperCase() !== req.method.toUpperCase()) return fail(`method tag ${method} does not match the request method ${req.method.toUpperCase()}`);

  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body ?? new Uint8Array();
  const payloads = event.tags.filter((t) => t[0] === 'payload');
  if (payloads.length > 1) return fail('more than one payload tag');
  if (payloads.length === 1) {
    const want = createHash('sha256').update(body).digest('hex');
    if ((payloads[0]![1] ?? '').toLowerCase() !== want) return fail('payload tag does not match the sha256 of the body');
  } else if (body.length > 0 && opts.requirePayload) {
    return fail('a request with a body needs a payload tag (sha256 of the body)');
  }

  if (getEventHash(event) !== event.id) return fail('event id does not match its content (tampered or malformed)');
  // verifyEvent caches its verdict on the object: give it a fresh copy (FIELD-NOTES).
  if (!verifyEvent(JSON.parse(JSON.stringify(event)) as Event)) return fail('invalid signature');
  return { ok: true, pubkey: event.pubkey, eventId: event.id };
}

/** The event, or the reason it is not one. */
function decodeEvent(token: string): Event | string {
  // Buffer.from(…, 'base64') skips bad characters silently: check the alphabet first.
  if (!/^[A-Za-z0-9+/\-_]+={0,2}$/.test(token)) return 'token is not base64';
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return 'token is not a base64-encoded JSON event';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'token is not a JSON object';
  const e = value as Record<string, unknown>;
  const bad: string[] = [];
  if (typeof e.id !== 'string' || !HEX64.test(e.id)) bad.push('id');
  if (typeof e.pubkey !== 'string' || !HEX64.test(e.pubkey)) bad.push('pubkey');
  if (typeof e.sig !== 'string' || !HEX128.test(e.sig)) bad.push('sig');
  if (!Number.isSafeInteger(e.kind)) bad.push('kind');
  if (!Number.isSafeInteger(e.created_at)) bad.push('created_at');
  if (typeof e.content !== 'string') bad.push('content');
  if (!Array.isArray(e.tags) || !e.tags.every((t) => Array.isArray(t) && t.every((x) => typeof x === 'string'))) bad.push('tags');
  if (bad.length) return `event is malformed: ${bad.join(', ')}`;
  return { id: e.id, pubkey: e.pubkey, sig: e.sig, kind: e.kind, created_at: e.created_at, content: e.content, tags: e.tags } as Event;
}

/** Exactly one tag of this name with a value: two `u` tags would leave "which one?" open. */
function single(event: Event, name: string): string | { error: string } {
  const tags = event.tags.filter((t) => t[0] === name);
  if (tags.length === 0 || !tags[0]![1]) return { error: `missing ${name} tag` };
  if (tags.length > 1) return { error: `more than one ${name} tag` };
  return tags[0]![1];
}

/**
 * NIP-98: the u tag MUST be exactly the absolute request URL, query included. Equal strings, or
 * equal once both are parsed (host case, default port, empty path), which changes no meaning.
 */
function sameUrl(tag: string, requestUrl: string): boolean {
  if (tag === requestUrl) return true;
  try {
    return new URL(tag).href === new URL(requestUrl).href;
  } catch {
    return false;
  }
}
