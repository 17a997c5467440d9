/**
 * Checks that a NIP-05 address really names a pubkey: GET
 * `https://<domain>/.well-known/nostr.json?name=<local>` and compare `names[local]`.
 * NIP-05: "Fetchers MUST ignore any HTTP redirects" — a redirect is a failure, not followed.
 * The domain is attacker-chosen (it comes from a kind 0), so the address guard, a timeout and a
 * size cap apply like for any other fetch a remote party can make us do.
 */
import { AddressRefusedError, readCapped, type AddressGuard } from '../../../libs/net/index.js';

export type Nip05Check = { ok: true } | { ok: false; reason: string; transient: boolean };

export interface Nip05CheckOptions {
  guard: AddressGuard;
  timeoutMs?: number;
  maxBytes?: number;
  /** Where `<domain>` is served; default `https://<domain>` (tests point it at a local server). */
  origin?: (domain: string) => string;
}

const ADDRESS = /^([a-z0-9._-]+)@([a-z0-9.-]+\.[a-z0-9-]+|localhost)$/;

/** `Bob@Example.com` → `{ local: 'bob', domain: 'example.com' }`; a bare domain is `_@domain`. */
export function parseNip05Address(raw: string): { local: string; domain: string } | undefined {
  const text = raw.trim().toLowerCase();
  const m = ADDRESS.exec(text.includes('@') ? text : `_@${text}`);
  if (!m || text.length > 320) return undefined;
  return { local: m[1]!, domain: m[2]! };
}

export async function checkNip05(address: string, pubkey: string, o: Nip05CheckOptions): Promise<Nip05Check> {
  const parsed = parseNip05Address(address);
  if (!parsed) return { ok: false, reason: `not a NIP-05 address: ${address.slice(0, 80)}`, transient: false };
  const url = `${(o.origin ?? ((d) => `https://${d}`))(parsed.domain)}/.well-known/nostr.json?name=${encodeURIComponent(parsed.local)}`;
  const verdict = await o.guard.check(url);
  if (!verdict.ok) return { ok: false, reason: verdict.reason, transient: false };
  let res: Response;
  try {
    res = await o.guard.fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(o.timeoutMs ?? 5_000), headers: { accept: 'application/json' } });
  } catch (err) {
    if (err instanceof AddressRefusedError) return { ok: false, reason: err.reason, transient: false };
    return { ok: false, reason: `${parsed.domain} unreachable: ${(err as Error).message}`, transient: true };
  }
  if (res.status >= 300 && res.status < 400) return { ok: false, reason: `${parsed.domain} answered with a redirect (NIP-05 forbids following it)`, transient: false };
  if (!res.ok) return { ok: false, reason: `${parsed.domain} answered ${res.status}`, transient: res.status >= 500 || res.status === 429 };
  let body: unknown;
  try {
    body = JSON.parse(await readCapped(res, o.maxBytes ?? 64 * 1024));
  } catch (err) {
    return { ok: false, reason: `${parsed.domain}: unreadable nostr.json (${(err as Error).message})`, transient: false };
  }
  const names = (body as { names?: unknown } | null)?.names;
  const named = typeof names === 'object' && names !== null ? (names as Record<string, unknown>)[parsed.local] : undefined;
  if (typeof named !== 'string' || named.toLowerCase() !== pubkey) return { ok: false, reason: `${address} names another key (or none)`, transient: false };
  return { ok: true };
}
