/**
 * Fetching remote ActivityPub documents (actors, keys, objects). Every hop's address is checked
 * with AddressGuard (SSRF: an actor URL or keyId is attacker-chosen; a redirect to a private
 * address is refused like the first hop, cf. Fedify CVE-2026-77632), bodies are capped, slow
 * servers time out, and GETs are signed by the bridge's instance actor, because servers with
 * authorized fetch (Mastodon AUTHORIZED_FETCH) refuse unsigned ones.
 */
import type { KeyObject } from 'node:crypto';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { AddressRefusedError, type AddressGuard } from '../../../libs/net/index.js';
import { signRequest } from './http-signature.js';

export const AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

export interface Signer {
  keyId: string;
  privateKeyPem: string;
  /** The same key parsed once, when the holder keeps it (BridgedActors): used instead of the PEM. */
  privateKey?: KeyObject;
}

export interface RemoteFetchOptions {
  guard: AddressGuard;
  /** Signs GETs when set (resolved lazily: the instance actor is created at startup). */
  signer?: () => Promise<Signer | undefined>;
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
  userAgent?: string;
}

export class RemoteFetchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RemoteFetchError';
  }
}

/** Reads at most `max` bytes of a response; more is an error, not a silent cut. */
export async function readCapped(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new RemoteFetchError(`response of ${declared} bytes exceeds the ${max}-byte limit`);
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new RemoteFetchError(`response exceeds the ${max}-byte limit`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export class RemoteFetcher {
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: RemoteFetchOptions) {
    this.maxBytes = o.maxBytes ?? 1_000_000;
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  /** GET a JSON-LD document. The returned document's `id` must be the URL asked for (after redirects, minus fragment). */
  async getJson(url: string): Promise<Record<string, unknown>> {
    let current = url;
    for (let hop = 0; hop <= (this.o.maxRedirects ?? 3); hop++) {
      const res = await this.request(current, 'GET');
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const loc = res.headers.get('location');
        await res.body?.cancel();
        if (!loc) throw new RemoteFetchError(`redirect without location from ${current}`, res.status);
        current = new URL(loc, current).href;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new RemoteFetchError(`GET ${current} answered ${res.status}`, res.status);
      }
      const body = await readCapped(res, this.maxBytes);
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        throw new RemoteFetchError(`GET ${current}: not JSON`);
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new RemoteFetchError(`GET ${current}: not a JSON object`);
      return doc as Record<string, unknown>;
    }
    throw new RemoteFetchError(`too many redirects from ${url}`);
  }

  /** POST a signed activity to an inbox; resolves with the status, throws DeliveryError for what the runner should know. */
  async postActivity(inbox: string, body: string, signer: Signer): Promise<number> {
    const res = await this.request(inbox, 'POST', body, signer).catch((err: Error) => {
      // A refused address will stay refused; a network failure may pass.
      throw new DeliveryError(`POST ${inbox}: ${err.message}`, { kind: err instanceof RemoteFetchError && err.status === 403 ? 'permanent' : 'transient', target: inbox, cause: err });
    });
    const text = (await readCapped(res, 64_000).catch(() => Buffer.alloc(0))).toString('utf8');
    if (res.status >= 200 && res.status < 300) return res.status;
    throw DeliveryError.fromHttp(inbox, res.status, text);
  }

  private async request(url: string, method: 'GET' | 'POST', body?: string, signer?: Signer): Promise<Response> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RemoteFetchError(`not a URL: ${url}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new RemoteFetchError(`refused scheme ${parsed.protocol}`);
    const verdict = await this.o.guard.check(url);
    if (!verdict.ok) throw new RemoteFetchError(`refused: ${verdict.reason}`, 403);
    const sign = signer ?? (method === 'GET' ? await this.o.signer?.() : undefined);
    const base: Record<string, string> = { accept: AP_ACCEPT, 'user-agent': this.o.userAgent ?? 'Pontis (ActivityPub bridge)' };
    if (body !== undefined) base['content-type'] = 'application/activity+json';
    const headers = sign ? { ...base, ...signRequest({ keyId: sign.keyId, privateKeyPem: sign.privateKey ?? sign.privateKeyPem, method, url, body, extraHeaders: {} }) } : base;
    try {
      return await this.o.guard.fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      if (err instanceof AddressRefusedError) throw new RemoteFetchError(err.message, 403);
      const e = err as Error;
      throw new RemoteFetchError(e.name === 'TimeoutError' ? `${method} ${url} timed out after ${this.timeoutMs} ms` : `${method} ${url} failed: ${e.message}`);
    }
  }
}
