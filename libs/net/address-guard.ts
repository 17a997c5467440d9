import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { rejectInput, type RejectNetwork } from '../observability/index.js';

/**
 * Whether an address is one a remote party must never make us connect to: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, multicast, unspecified, the special-use
 * and documentation ranges, and the IPv6 forms that reach IPv4 (mapped, compatible, NAT64, 6to4,
 * Teredo), as Mastodon's private_address_check.rb does (Fedify CVE-2026-50131 missed some). (SSRF: a
 * relay list, an actor URL or an attachment URL is attacker-controlled.)
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return privateV4(address);
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const h = hextets(address);
  if (!h) return true;
  const [a, b, c, d, e, f, g, last] = h as [number, number, number, number, number, number, number, number];
  const v4 = `${g >> 8}.${g & 0xff}.${last >> 8}.${last & 0xff}`;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    // ::ffff:a.b.c.d (mapped; the URL parser writes it as ::ffff:7f00:1) is that IPv4 address; ::a.b.c.d
    // (compatible, deprecated), :: and ::1 are never a public peer.
    return f === 0xffff ? privateV4(v4) : true;
  }
  if (a === 0x64 && b === 0xff9b) return true; // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48)
  if (a === 0x2002) return true; // 6to4
  if (a === 0x2001 && (b === 0 || b === 0xdb8)) return true; // Teredo, documentation
  if (a === 0x100 && b === 0 && c === 0 && d === 0) return true; // discard-only
  return (a & 0xfe00) === 0xfc00 || (a & 0xffc0) === 0xfe80 || (a & 0xffc0) === 0xfec0 || (a & 0xff00) === 0xff00;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 read as two groups). */
function hextets(address: string): number[] | undefined {
  let s = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [p, q, r, t] = dotted.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, dotted.index)}${((p << 8) | q).toString(16)}:${((r << 8) | t).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  return groups.map((x) => parseInt(x || '0', 16));
}

function privateV4(ip: string): boolean {
  const [a, b, c] = ip.split('.').map(Number) as [number, number, number];
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)
  );
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

export interface AddressGuardOptions {
  /** Tests and local sandboxes run everything on loopback. */
  allowPrivate?: boolean;
  /** Whose input the URLs come from: each refusal is counted as pontis_rejected_input_total{network, reason="private_address"}. */
  network?: RejectNetwork;
  lookup?: (host: string) => Promise<{ address: string }[]>;
  /** How long a host's verdict is cached (default 10 min). */
  ttlMs?: number;
  now?: () => number;
}

/** Checks a URL's host (every address it resolves to) before we connect; verdicts are cached per host. */
export class AddressGuard {
  private readonly cache = new Map<string, { verdict: GuardVerdict; at: number }>();
  private readonly lookup: (host: string) => Promise<{ address: string }[]>;

  constructor(private readonly opts: AddressGuardOptions = {}) {
    this.lookup = opts.lookup ?? ((host) => dnsLookup(host, { all: true, verbatim: true }));
  }

  async check(url: string): Promise<GuardVerdict> {
    if (this.opts.allowPrivate) return { ok: true };
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return this.counted({ ok: false, reason: `not a URL: ${url}` });
    }
    const now = (this.opts.now ?? Date.now)();
    const hit = this.cache.get(host);
    if (hit && now - hit.at < (this.opts.ttlMs ?? 600_000)) return this.counted(hit.verdict);
    const verdict = await this.resolve(host);
    this.cache.set(host, { verdict, at: now });
    return this.counted(verdict);
  }

  private counted(verdict: GuardVerdict): GuardVerdict {
    if (!verdict.ok && this.opts.network) rejectInput(this.opts.network, 'private_address');
    return verdict;
  }

  private async resolve(host: string): Promise<GuardVerdict> {
    if (isIP(host)) return isPrivateAddress(host) ? { ok: false, reason: `${host} is a private address` } : { ok: true };
    let addresses: { address: string }[];
    try {
      addresses = await this.lookup(host);
    } catch (err) {
      return { ok: false, reason: `${host} does not resolve (${(err as Error).message})` };
    }
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (!addresses.length) return { ok: false, reason: `${host} has no address` };
    return bad ? { ok: false, reason: `${host} resolves to private address ${bad.address}` } : { ok: true };
  }
}
