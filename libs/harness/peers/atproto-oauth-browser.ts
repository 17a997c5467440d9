import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * What a person's browser does on the reference PDS's OAuth authorization page, over plain HTTP:
 * open the page (it sets the device and CSRF cookies), sign in and consent through the page's own
 * API (`/@atproto/oauth-provider/~api/…`, with the same-origin, referrer and CSRF checks the page's
 * script satisfies), then follow the redirect page to the client's redirect_uri. Returns that
 * redirect URL (with `code`, `state` and `iss`, or `error`) without fetching it.
 * node:http, not fetch: fetch always sends its own `sec-fetch-mode: cors`, and the provider
 * checks those headers the way a browser sets them (navigate for pages, same-origin for its API).
 */
export async function authorizeAsBrowser(authorizeUrl: string, login: { username: string; password: string }, opts: { consent?: boolean } = {}): Promise<string> {
  const page = new URL(authorizeUrl);
  const origin = page.origin;
  const jar = new Map<string, string>();
  const remember = (res: Answer) => {
    for (const line of res.setCookie) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const ua = 'Mozilla/5.0 (X11; Linux x86_64) pontis-test';

  const opened = await send(page.href, 'GET', { 'user-agent': ua, accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'cross-site' });
  remember(opened);
  const html = opened.body;
  if (opened.status !== 200) throw new Error(`authorization page: HTTP ${opened.status} ${/"error_description":"([^"]*)"/.exec(html)?.[1] ?? /"error":"([^"]*)"/.exec(html)?.[1] ?? html.slice(0, 300)}`);

  const api = async (endpoint: string, body: unknown): Promise<Record<string, any>> => {
    const res = await send(`${origin}/@atproto/oauth-provider/~api${endpoint}`, 'POST', {
        'user-agent': ua,
        'content-type': 'application/json',
        cookie: cookie(),
        'x-csrf-token': jar.get('csrf-token') ?? '',
        origin,
        referer: page.href,
        'sec-fetch-mode': 'same-origin',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-dest': 'empty',
      }, JSON.stringify(body));
    remember(res);
    let json: Record<string, any> = {};
    try {
      json = JSON.parse(res.body) as Record<string, any>;
    } catch {
      /* reported below with the status */
    }
    if (res.status !== 200) throw new Error(`${endpoint}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const signedIn = await api('/sign-in', { locale: 'en', username: login.username, password: login.password, remember: true });
  const did = (signedIn.account?.did ?? signedIn.account?.sub) as string | undefined;
  if (!did) throw new Error(`sign-in answered without an account: ${JSON.stringify(signedIn)}`);
  const decided = opts.consent === false ? await api('/reject', {}) : await api('/consent', { did });
  if (typeof decided.url !== 'string') throw new Error(`consent answered without a redirect: ${JSON.stringify(decided)}`);

  const redirect = await send(decided.url, 'GET', { 'user-agent': ua, cookie: cookie(), referer: page.href, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'same-origin' });
  const location = redirect.headers.location;
  if (redirect.status < 300 || redirect.status > 399 || !location) throw new Error(`redirect page: HTTP ${redirect.status}, no Location`);
  return new URL(location, decided.url).href;
}

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  setCookie: string[];
  body: string;
}

/** One request, redirects not followed, the whole body as text. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const flat: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: flat, setCookie: res.headers['set-cookie'] ?? [], body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
