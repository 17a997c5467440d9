import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { fetch as undiciFetch, WebSocket as UndiciWebSocket, type Dispatcher, type RequestInit as UndiciRequestInit } from 'undici';
import { rejectInput, type RejectNetwork } from '../observability/index.js';
import { pinnedAgent } from './pinned-agent.js';

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

/** One address a host name resolved to, as net.connect's `lookup` hands it back. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A connection refused because the address it was about to use is private; `reason` is for logs and callers. */
export class AddressRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`refused: ${reason}`);
    this.name = 'AddressRefusedError';
  }
}

export interface AddressGuardOptions {
  /** Tests and local sandboxes run everything on loopback. */
  allowPrivate?: boolean;
  /** Whose input the URLs come from: each refusal is counted as pontis_rejected_input_total{network, reason="private_address"}. */
  network?: RejectNetwork;
  /** How a host name is resolved, for the check and for the connection alike (default: the system resolver). */
  lookup?: (host: string) => Promise<{ address: string }[]>;
  /** Which addresses are refused (default isPrivateAddress); tests use it to call one loopback address public. */
  isPrivate?: (address: string) => boolean;
  /** How long a host's verdict is cached (default 10 min). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Checks a URL's host (every address it resolves to) before we connect; verdicts are cached per
 * host. `check` is the early, cached refusal with a clear reason; `fetch` and `webSocket` connect
 * through `pinnedAgent`, whose connections resolve the name once more and connect only to the
 * addresses that resolution returned and this guard approved. Without that second half a name
 * answering a public address to the check and 127.0.0.1 to the connection (DNS rebinding, Fedify
 * CVE-2024-39687) got through.
 */
export class AddressGuard {
  private readonly cache = new Map<string, { verdict: GuardVerdict; at: number }>();
  private readonly lookup: (host: string) => Promise<{ address: string }[]>;
  private readonly isPrivate: (address: string) => boolean;
  private agent: Dispatcher | undefined;

  constructor(private readonly opts: AddressGuardOptions = {}) {
    this.lookup = opts.lookup ?? ((host) => dnsLookup(host, { all: true, verbatim: true }));
    this.isPrivate = opts.isPrivate ?? isPrivateAddress;
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
    const { verdict } = await this.resolve(host);
    this.cache.set(host, { verdict, at: now });
    return this.counted(verdict);
  }

  /**
   * The addresses a connection to `host` may use: resolved now (never from the verdict cache), and
   * every one approved, else AddressRefusedError (counted). An address literal is checked as is.
   */
  async connectableAddresses(host: string): Promise<ResolvedAddress[]> {
    const { verdict, addresses } = await this.resolve(host.replace(/^\[|\]$/g, ''), this.opts.allowPrivate);
    if (!verdict.ok) {
      this.counted(verdict);
      throw new AddressRefusedError(`${verdict.reason} (at connection time)`);
    }
    return addresses.map((a) => ({ address: a.address, family: isIP(a.address) === 6 ? 6 : 4 }));
  }

  /** fetch() through `pinnedAgent` (undici's own fetch: the dispatcher must come from the same undici). */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    try {
      return (await undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: this.dispatcher() })) as unknown as Response;
    } catch (err) {
      // undici wraps connection errors in "fetch failed"; the refusal's reason is what callers report.
      const cause = (err as { cause?: unknown }).cause;
      throw cause instanceof AddressRefusedError ? cause : err;
    }
  }

  /** A WebSocket whose connection is pinned like `fetch`'s (a refusal surfaces as an error event, and is counted). */
  webSocket(url: string): WebSocket {
    return new UndiciWebSocket(url, { dispatcher: this.dispatcher() }) as unknown as WebSocket;
  }

  /** The undici dispatcher pinned to this guard, for clients that take one. */
  dispatcher(): Dispatcher {
    return (this.agent ??= pinnedAgent(this));
  }

  private counted(verdict: GuardVerdict): GuardVerdict {
    if (!verdict.ok && this.opts.network) rejectInput(this.opts.network, 'private_address');
    return verdict;
  }

  private async resolve(host: string, allowPrivate = false): Promise<{ verdict: GuardVerdict; addresses: { address: string }[] }> {
    const refuse = (reason: string) => ({ verdict: { ok: false as const, reason }, addresses: [] });
    if (isIP(host)) return !allowPrivate && this.isPrivate(host) ? refuse(`${host} is a private address`) : { verdict: { ok: true }, addresses: [{ address: host }] };
    let addresses: { address: string }[];
    try {
      addresses = await this.lookup(host);
    } catch (err) {
      return refuse(`${host} does not resolve (${(err as Error).message})`);
    }
    if (!addresses.length) return refuse(`${host} has no address`);
    const bad = allowPrivate ? undefined : addresses.find((a) => this.isPrivate(a.address));
    return bad ? refuse(`${host} resolves to private address ${bad.address}`) : { verdict: { ok: true }, addresses };
  }
}
