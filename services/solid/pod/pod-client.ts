import { DeliveryError } from '../../../libs/adapter/index.js';
import { AddressRefusedError, BodyTooLargeError, readCapped } from '../../../libs/net/index.js';
import type { UrlGuard } from './trusted-guard.js';
import { JSON_LD } from '../mapping/index.js';
import { resourceAcl, wacAllow } from './acl.js';
import type { SolidSession } from './solid-session.js';

/** What PodClient needs of a session: authenticated fetch (the bridge's WebID, or a person's login). */
export type PodSession = Pick<SolidSession, 'fetch'>;

export interface PodResource {
  status: number;
  etag: string | null;
  contentType: string | null;
  body: string;
  /** Modes from WAC-Allow. */
  user: Set<string>;
  public: Set<string>;
}

const LDP_CONTAINS = 'http://www.w3.org/ns/ldp#contains';
const DC_MODIFIED = 'http://purl.org/dc/terms/modified';
/**
 * Where a resource's ACL lives, per origin, once a HEAD showed the server's rule is `<url>.acl`
 * (WAC servers: Community Solid Server, NSS). Saves a HEAD before every ACL write; a server whose
 * Link says otherwise (ACP's `.acr`) is asked every time.
 */
const aclBySuffix = new Set<string>();
/** A post is small; a pod answering with megabytes is not one (and not read). */
export const MAX_RESOURCE_BYTES = 512 * 1024;

/**
 * HTTP to pods as one session's WebID. Every failure is a DeliveryError naming the URL, the
 * status and the pod's answer. With a guard, every URL is checked first (an early refusal with
 * its reason) and the session connects through the guard's pinned fetch, for the request and
 * for any token renewal it triggers: what was checked is what is connected to. Without one
 * (the provisioner, on the bridge's own server) the session's own transport.
 */
export class PodClient {
  constructor(
    private readonly session: PodSession,
    private readonly guard?: UrlGuard,
  ) {}

  /** With `ifNoneMatch`, an unchanged resource answers 304 (status 304, empty body). */
  async get(url: string, accept = JSON_LD, ifNoneMatch?: string | null): Promise<PodResource> {
    const headers: Record<string, string> = { accept };
    if (ifNoneMatch) headers['if-none-match'] = ifNoneMatch;
    const res = await this.send(url, { method: 'GET', headers });
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_RESOURCE_BYTES) {
      await res.body?.cancel();
      throw new DeliveryError(`resource larger than ${MAX_RESOURCE_BYTES} bytes`, { kind: 'permanent', target: url, status: 'too-large' });
    }
    const body = [304, 404, 410].includes(res.status) ? (await res.body?.cancel(), '') : await readResource(res, url);
    if (!res.ok && ![304, 404, 410].includes(res.status)) throw DeliveryError.fromHttp(url, res.status, body);
    const w = wacAllow(res.headers.get('wac-allow'));
    return { status: res.status, etag: res.headers.get('etag'), contentType: res.headers.get('content-type'), body, user: w.user, public: w.public };
  }

  /** PUT creates or replaces (idempotent); intermediate containers are created by the server. */
  async put(url: string, body: string, contentType: string): Promise<string | null> {
    const res = await this.send(url, { method: 'PUT', headers: { 'content-type': contentType }, body });
    const text = await res.text();
    if (!res.ok) throw DeliveryError.fromHttp(url, res.status, text);
    return res.headers.get('etag');
  }

  async putBytes(url: string, body: Buffer, contentType: string): Promise<void> {
    const res = await this.send(url, { method: 'PUT', headers: { 'content-type': contentType }, body: new Uint8Array(body) });
    const text = await res.text();
    if (!res.ok) throw DeliveryError.fromHttp(url, res.status, text);
  }

  /** POST, answering the body (subscriptions). */
  async post(url: string, body: string, contentType: string): Promise<string> {
    const res = await this.send(url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/ld+json' }, body });
    const text = await res.text();
    if (!res.ok) throw DeliveryError.fromHttp(url, res.status, text);
    return text;
  }

  async patch(url: string, body: string, contentType = 'text/n3'): Promise<void> {
    const res = await this.send(url, { method: 'PATCH', headers: { 'content-type': contentType }, body });
    const text = await res.text();
    if (!res.ok) throw DeliveryError.fromHttp(url, res.status, text);
  }

  /** Already gone is success: a retried delete must not fail. */
  async delete(url: string): Promise<boolean> {
    const res = await this.send(url, { method: 'DELETE' });
    const text = await res.text();
    if (res.status === 404 || res.status === 410) return false;
    if (!res.ok) throw DeliveryError.fromHttp(url, res.status, text);
    return true;
  }

  /** Where a resource's ACL lives (Link rel="acl"), found with HEAD. */
  async aclUrl(url: string): Promise<string> {
    const origin = new URL(url).origin;
    if (aclBySuffix.has(origin)) return `${url}.acl`;
    const res = await this.send(url, { method: 'HEAD' });
    await res.body?.cancel();
    const link = res.headers.get('link') ?? '';
    const m = /<([^>]+)>\s*;\s*rel="?acl"?/.exec(link);
    const acl = m ? new URL(m[1]!, url).href : undefined;
    if (acl === `${url}.acl`) aclBySuffix.add(origin);
    return acl ?? `${url}.acl`;
  }

  async setAccess(url: string, owner: string, bridge: string, isPublic: boolean): Promise<void> {
    await this.put(await this.aclUrl(url), resourceAcl(url, owner, bridge, isPublic), 'text/turtle');
  }

  /**
   * Members of a container (ldp:contains), from its JSON-LD representation, with each member's
   * `dc:modified` where the listing gives it (Community Solid Server does, to the millisecond).
   */
  async list(containerUrl: string): Promise<{ status: number; members: string[]; etag: string | null; modified: Map<string, string> }> {
    const r = await this.get(containerUrl);
    if (r.status === 404 || r.status === 410) return { status: r.status, members: [], etag: null, modified: new Map() };
    let doc: unknown;
    try {
      doc = JSON.parse(r.body);
    } catch {
      throw new DeliveryError('container listing is not JSON-LD', { kind: 'permanent', target: containerUrl, status: 'malformed', body: r.body });
    }
    const nodes = Array.isArray(doc) ? doc : [doc];
    const members = new Set<string>();
    for (const n of nodes as Record<string, unknown>[]) {
      const contains = n?.[LDP_CONTAINS] ?? n?.['ldp:contains'] ?? n?.contains;
      for (const c of Array.isArray(contains) ? contains : contains ? [contains] : []) {
        const id = typeof c === 'string' ? c : (c as { '@id'?: string })['@id'];
        if (id) members.add(new URL(id, containerUrl).href);
      }
    }
    const modified = new Map<string, string>();
    for (const n of nodes as Record<string, unknown>[]) {
      const id = typeof n?.['@id'] === 'string' ? new URL(n['@id'], containerUrl).href : undefined;
      const value = literal(n?.[DC_MODIFIED] ?? n?.['dc:modified'] ?? n?.modified);
      if (id && members.has(id) && value) modified.set(id, value);
    }
    return { status: r.status, members: [...members], etag: r.etag, modified };
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    if (this.guard) {
      const v = await this.guard.check(url);
      if (!v.ok) throw new DeliveryError(`refused to contact ${url}: ${v.reason}`, { kind: 'permanent', target: url, status: 'address-guard' });
    }
    try {
      return await this.session.fetch(url, this.guard ? { ...init, transport: (u, i) => this.guard!.fetch(u, i) } : init);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      if (err instanceof AddressRefusedError) throw new DeliveryError(`refused to contact ${url}: ${err.reason}`, { kind: 'permanent', target: url, status: 'address-guard', cause: err });
      throw new DeliveryError(`pod unreachable: ${(err as Error).message}`, { kind: 'transient', target: url, cause: err });
    }
  }
}

/** A JSON-LD literal's value, expanded (`[{"@value": …}]`) or compact. */
function literal(v: unknown): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (typeof first === 'string') return first;
  const value = (first as { '@value'?: unknown } | undefined)?.['@value'];
  return typeof value === 'string' ? value : undefined;
}

/** The pod's body up to MAX_RESOURCE_BYTES; beyond that the resource is refused, not retried. */
async function readResource(res: Response, url: string): Promise<string> {
  try {
    return await readCapped(res, MAX_RESOURCE_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new DeliveryError(`resource ${err.message}`, { kind: 'permanent', target: url, status: 'too-large' });
    throw err;
  }
}
