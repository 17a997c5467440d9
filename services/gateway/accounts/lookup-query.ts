import { domainToASCII } from 'node:url';
import { decode } from 'nostr-tools/nip19';
import type { Network } from '../../../libs/events/index.js';

/**
 * What to search for when someone types any handle or id of any network. Pure. The same text
 * can mean different things (`alice@example.com` is a fediverse handle and a NIP-05 name), so
 * the answer is every reading: handles compared case-insensitively against every network, and
 * native ids compared exactly on the network whose id it can only be.
 */
export interface LookupQuery {
  /** Lowercased handle spellings as adapters store them (`user@host`, `@user@host`, `alice.bsky.social`). */
  handles: string[];
  nativeIds: { network: Network; id: string }[];
}

export type LookupParse = { ok: true; query: LookupQuery } | { ok: false; reason: string };

const MAX = 512;
const HEX64 = /^[0-9a-f]{64}$/;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,62})$/;

export function parseLookup(raw: string): LookupParse {
  const text = raw.trim();
  if (!text) return { ok: false, reason: 'q is empty: give a handle (@user@instance, name.bsky.social, npub1…, name@domain) or an id (did:…, hex key, https URL)' };
  if (text.length > MAX) return { ok: false, reason: `q is longer than ${MAX} characters` };

  if (/^(npub1|nprofile1)/i.test(text)) {
    try {
      const d = decode(text.toLowerCase());
      const hex = d.type === 'npub' ? d.data : d.type === 'nprofile' ? d.data.pubkey : null;
      if (hex) return ok([], [{ network: 'nostr', id: hex }]);
    } catch {
      /* falls through to the error below */
    }
    return { ok: false, reason: `"${text}" is not a valid npub/nprofile (bad bech32 checksum or length)` };
  }
  if (HEX64.test(text.toLowerCase())) return ok([], [{ network: 'nostr', id: text.toLowerCase() }]);
  if (/^did:(plc|web):/i.test(text)) {
    if (!/^did:(plc:[a-z2-7]{24}|web:[a-z0-9.:%-]+)$/i.test(text)) return { ok: false, reason: `"${text}" is not a valid did:plc or did:web` };
    return ok([], [{ network: 'atproto', id: text }]);
  }
  if (/^at:\/\//i.test(text)) return lookupDid(text);
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, reason: `"${text}" is not a valid URL` };
    }
    // An actor URL on the fediverse or a WebID on Solid; a profile URL may be typed with or without its #me.
    const ids = new Set([text, url.href]);
    if (!url.hash) ids.add(`${url.href}#me`);
    return ok([], [...ids].flatMap((id) => [{ network: 'activitypub' as const, id }, { network: 'solid' as const, id }]));
  }

  const acct = /^(?:acct:)?@?([^@\s]+)@([^@\s]+)$/i.exec(text);
  if (acct) {
    const user = acct[1]!.toLowerCase();
    const host = hostName(acct[2]!);
    if (!host) return { ok: false, reason: `"${acct[2]}" is not a host name` };
    return ok([`${user}@${host}`, `@${user}@${host}`, `acct:${user}@${host}`], []);
  }
  const bare = hostName(text.replace(/^@/, ''));
  if (bare && bare.includes('.')) return ok([bare, `@${bare}`], []);
  return { ok: false, reason: `"${text}" is not a handle or id this bridge knows how to read` };
}

function lookupDid(uri: string): LookupParse {
  const authority = /^at:\/\/([^/]+)/i.exec(uri)?.[1] ?? '';
  if (/^did:/.test(authority)) return ok([], [{ network: 'atproto', id: authority }]);
  const host = hostName(authority);
  return host ? ok([host, `@${host}`], []) : { ok: false, reason: `"${uri}" has no DID or handle` };
}

/** Lowercased ASCII (punycode) host name, trailing dot removed; null if it is not one. */
function hostName(raw: string): string | null {
  const [rawName, port, ...rest] = raw.toLowerCase().split(':');
  if (rest.length || (port !== undefined && !/^\d{1,5}$/.test(port))) return null;
  const name = domainToASCII(rawName!.replace(/\.$/, ''));
  if (!name || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) return null;
  return port === undefined ? name : `${name}:${port}`;
}

function ok(handles: string[], nativeIds: LookupQuery['nativeIds']): LookupParse {
  return { ok: true, query: { handles: [...new Set(handles)], nativeIds } };
}
