import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { rejectInput, type RejectNetwork } from '../observability/index.js';

/**
 * Whether an address is one a remote party must never make us connect to: loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, multicast, unspecified, and the
 * IPv6 equivalents including IPv4-mapped forms. (SSRF: a relay list, an actor URL or an
 * attachment URL is attacker-controlled.)
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return privateV4(address);
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return privateV4(mapped[1]!);
  if (a === '::' || a === '::1') return true;
  const first = parseInt(a.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

function privateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
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
