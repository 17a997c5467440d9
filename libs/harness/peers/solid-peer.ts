/**
 * Community Solid Server 7.x (`@solid/community-server`) with `@css:config/default.json`: all
 * data in memory, account API v7 and OIDC (client credentials, DPoP-bound tokens).
 *
 * Runs as a CHILD PROCESS: CSS is ~500 MB and takes seconds to wire its Components.js graph;
 * in a child it cannot disturb the runner, its RSS is measurable and a scenario can kill it.
 * The base URL is http://localhost:PORT/ and MUST stay `localhost`: with 127.0.0.1 the token
 * verifier refuses every authenticated request (it accepts only https or localhost issuers).
 *
 * The parent half creates accounts/pods/client credentials through the v7 account API and
 * gives a `SolidClient` whose `fetch` signs every request with DPoP (node:crypto, ES256).
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { childConfig, isMainModule, PeerChild, runAsChild, type ChildPeer } from '../child.js';
import { fetchT, freePort } from '../util.js';
import { requireInfo, ChildProcessPeer } from './peer.js';

export interface SolidPeerInfo {
  /** http://localhost:PORT/ (with the trailing slash) */
  baseUrl: string;
}

export interface SolidAccount {
  email: string;
  password: string;
  /** `CSS-Account-Token` value of the session that created the account. */
  accountToken: string;
  podName: string;
  /** Root of the pod, e.g. http://localhost:PORT/alice/ */
  podUrl: string;
  webId: string;
  clientId: string;
  clientSecret: string;
}

export interface SolidPeerOptions {
  /** Keep pods, accounts and keys in this folder (`@css:config/file.json`); default: in memory. With `port`, the server survives outage(). */
  dataDir?: string;
  port?: number;
  startTimeoutMs?: number;
}

export class SolidPeer extends ChildProcessPeer<SolidPeerInfo> {
  readonly network = 'solid' as const;
  protected readonly child: PeerChild<SolidPeerInfo>;

  constructor(private readonly opts: SolidPeerOptions = {}) {
    super();
    this.child = new PeerChild<SolidPeerInfo>({ name: 'solid', moduleUrl: import.meta.url, startTimeoutMs: opts.startTimeoutMs ?? 90_000, config: opts });
  }

  override get restartable(): boolean {
    return !!this.opts.dataDir && !!this.opts.port;
  }

  /** GET /.well-known/solid must answer 200 with JSON(-LD). */
  protected async probe(info: SolidPeerInfo): Promise<boolean> {
    const res = await fetchT(new URL('.well-known/solid', info.baseUrl));
    await res.arrayBuffer();
    return res.ok;
  }

  /**
   * Account API v7: account → password login → pod → client credentials.
   * `podName` defaults to the part of the email before "@".
   */
  async createAccount(opts: { email: string; password: string; podName?: string }): Promise<SolidAccount> {
    const { baseUrl } = requireInfo(this);
    const podName = opts.podName ?? opts.email.split('@')[0]!.replace(/[^a-z0-9-]/gi, '').toLowerCase();
    const json = async (url: string, init: { method?: string; token?: string; body?: unknown }, what: string): Promise<Record<string, any>> => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (init.token) headers.authorization = `CSS-Account-Token ${init.token}`;
      // No JSON content-type on GET: CSS would try to parse an empty body.
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetchT(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), timeoutMs: 15_000 });
      const text = await res.text();
      if (!res.ok) throw new Error(`solid ${what}: HTTP ${res.status} ${text.slice(0, 200)}`);
      return text ? (JSON.parse(text) as Record<string, any>) : {};
    };
    const created = await json(new URL('.account/account/', baseUrl).href, { method: 'POST', body: {} }, 'create account');
    const token = String(created.authorization ?? '');
    if (!token) throw new Error('solid create account: no authorization token in the answer');
    const { controls } = await json(new URL('.account/', baseUrl).href, { token }, 'account controls');
    const passwordCreate: string | undefined = controls?.password?.create;
    const podUrlCtl: string | undefined = controls?.account?.pod;
    const credsCtl: string | undefined = controls?.account?.clientCredentials;
    if (!passwordCreate || !podUrlCtl || !credsCtl) throw new Error(`solid account controls missing: ${JSON.stringify(controls).slice(0, 200)}`);
    await json(passwordCreate, { method: 'POST', token, body: { email: opts.email, password: opts.password } }, 'password.create');
    const pod = await json(podUrlCtl, { method: 'POST', token, body: { name: podName } }, 'account.pod');
    const webId = String(pod.webId ?? '');
    const podUrl = String(pod.pod ?? '');
    if (!webId || !podUrl) throw new Error(`solid account.pod: unexpected answer ${JSON.stringify(pod).slice(0, 200)}`);
    const creds = await json(credsCtl, { method: 'POST', token, body: { name: `${podName}-e2e`, webId } }, 'account.clientCredentials');
    if (!creds.id || !creds.secret) throw new Error('solid clientCredentials: no id/secret in the answer');
    return { email: opts.email, password: opts.password, accountToken: token, podName, podUrl, webId, clientId: String(creds.id), clientSecret: String(creds.secret) };
  }

  /**
   * Logs `account` in at this server's identity provider the way a browser would, for a client
   * that sent the browser to `authorizeUrl` (an OIDC authorization request): follows the
   * redirects with a cookie jar, logs in with email/password, picks the WebID and consents through
   * CSS's account JSON API (`controls.password.login`, `controls.oidc.webId`, `.consent`).
   * Answers the URL the provider finally sends the browser to (the client's redirect URI with
   * `code` and `state`), without fetching it.
   */
  async browserLogin(authorizeUrl: string, account: Pick<SolidAccount, 'email' | 'password' | 'webId'>, opts: { consent?: boolean } = {}): Promise<string> {
    const { baseUrl } = requireInfo(this);
    const origin = new URL(baseUrl).origin;
    const jar = new Map<string, string>();
    const send = async (url: string, init: { method?: string; json?: unknown; accept?: string } = {}): Promise<Response> => {
      const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
      if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      if (init.json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetchT(url, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json), redirect: 'manual', timeoutMs: 15_000 });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
      return res;
    };
    /** GETs and follows redirects while they stay on the provider; answers the first URL off it. */
    const follow = async (url: string): Promise<string | undefined> => {
      for (let hops = 0; hops < 20; hops++) {
        if (new URL(url).origin !== origin) return url;
        const res = await send(url, { accept: 'text/html' });
        await res.arrayBuffer();
        const next = res.headers.get('location');
        if (!next || res.status < 300 || res.status >= 400) return undefined;
        url = new URL(next, url).href;
      }
      throw new Error('solid login: too many redirects');
    };
    const api = async (url: string, json?: unknown): Promise<Record<string, any>> => {
      const res = await send(url, json === undefined ? {} : { method: 'POST', json });
      const text = await res.text();
      if (!res.ok) throw new Error(`solid login ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return text ? (JSON.parse(text) as Record<string, any>) : {};
    };
    const done = await follow(authorizeUrl);
    if (done) return done;
    const { controls } = await api(new URL('.account/', baseUrl).href);
    // Logging in during an interaction answers where it resumes (the provider's auth URL).
    const loggedIn = await api(controls.password.login, { email: account.email, password: account.password, remember: false });
    if (typeof loggedIn.location === 'string') {
      const off = await follow(loggedIn.location);
      if (off) return off;
    }
    for (let step = 0; step < 6; step++) {
      const { controls: c } = await api(new URL('.account/', baseUrl).href);
      const prompt = await api(c.oidc.prompt);
      let answer: Record<string, any>;
      if (prompt.prompt === 'login') answer = await api(c.oidc.webId, { webId: account.webId, remember: false });
      else if (prompt.prompt === 'consent') answer = opts.consent === false ? await api(c.oidc.cancel, {}) : await api(c.oidc.consent, { remember: true });
      else throw new Error(`solid login: unexpected prompt ${JSON.stringify(prompt).slice(0, 300)}`);
      if (typeof answer.location !== 'string') throw new Error(`solid login: no location after ${prompt.prompt}`);
      const off = await follow(answer.location);
      if (off) return off;
    }
    throw new Error('solid login: the interaction did not finish');
  }

  /** A client that authenticates as the account's WebID (client credentials + DPoP). */
  client(account: Pick<SolidAccount, 'clientId' | 'clientSecret'>): SolidClient {
    return new SolidClient(requireInfo(this).baseUrl, account.clientId, account.clientSecret);
  }
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

/** Solid-OIDC client credentials flow with DPoP-bound access tokens, refreshed before expiry. */
export class SolidClient {
  private readonly key: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    this.publicJwk = { kty, crv, x, y };
  }

  /** A DPoP proof JWT for one request (RFC 9449). */
  private proof(method: string, url: string, accessToken?: string): string {
    const u = new URL(url);
    const htu = `${u.origin}${u.pathname}`;
    const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: this.publicJwk };
    const payload: Record<string, unknown> = { htm: method.toUpperCase(), htu, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) };
    if (accessToken) payload.ath = b64url(createHash('sha256').update(accessToken).digest());
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  }

  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 30_000) return this.token.value;
    const conf = (await (await fetchT(new URL('.well-known/openid-configuration', this.baseUrl))).json()) as { token_endpoint?: string };
    const tokenUrl = conf.token_endpoint ?? new URL('.oidc/token', this.baseUrl).href;
    const basic = Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.clientSecret)}`).toString('base64');
    const res = await fetchT(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', dpop: this.proof('POST', tokenUrl) },
      body: 'grant_type=client_credentials&scope=webid',
      timeoutMs: 15_000,
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) throw new Error(`solid token: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
    this.token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 600) * 1000 };
    return body.access_token;
  }

  /** The two headers that prove this WebID for one request (`Authorization: DPoP …` and a fresh proof). */
  async authHeaders(method: string, url: string | URL): Promise<{ authorization: string; dpop: string }> {
    const token = await this.accessToken();
    return { authorization: `DPoP ${token}`, dpop: this.proof(method, String(url), token) };
  }

  /** fetch() with `Authorization: DPoP …` and a fresh DPoP proof. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(await this.authHeaders(method, url))) headers.set(k, v);
    return fetchT(url, { ...init, method, headers, timeoutMs: 15_000 });
  }
}

// --- child half -------------------------------------------------------------------------------

async function startInChild(): Promise<ChildPeer<SolidPeerInfo>> {
  const cfg = childConfig<SolidPeerOptions & { loggingLevel?: string }>();
  const port = cfg.port ?? (await freePort());
  const baseUrl = `http://localhost:${port}/`;
  const css = await import('@solid/community-server');
  const app = await new css.AppRunner().create({
    config: cfg.dataDir ? await onDiskConfig(cfg.dataDir) : '@css:config/default.json',
    loaderProperties: { logLevel: 'warn' },
    shorthand: { port, baseUrl, loggingLevel: cfg.loggingLevel ?? 'warn', ...(cfg.dataDir ? { rootFilePath: cfg.dataDir } : {}) },
  });
  await app.start();
  return { info: { baseUrl }, stop: () => app.stop() };
}

/**
 * `@css:config/default.json` with the resources and locks on disk. Not CSS's own file.json: that
 * one makes only the pods storages, and the server root then answers 501 to /.well-known/solid,
 * which the bridge reads to find the notification channels.
 */
async function onDiskConfig(dataDir: string): Promise<string> {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const defaults = createRequire(import.meta.url).resolve('@solid/community-server/config/default.json');
  const text = readFileSync(defaults, 'utf8')
    .replace('css:config/storage/backend/memory.json', 'css:config/storage/backend/file.json')
    .replace('css:config/util/resource-locker/memory.json', 'css:config/util/resource-locker/file.json');
  if (!text.includes('backend/file.json') || !text.includes('resource-locker/file.json')) throw new Error(`unexpected ${defaults}: cannot switch it to disk storage`);
  const path = `${dataDir.replace(/\/$/, '')}.css-config.json`;
  writeFileSync(path, text);
  return path;
}

if (isMainModule(import.meta.url)) runAsChild(startInChild);
