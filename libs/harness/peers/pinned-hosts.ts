import { request } from 'node:https';

/**
 * A public-looking https name answered on loopback: `https://<hostname>/…` goes to
 * `127.0.0.1:<port>` and the certificate is checked against `caPem` (for `<hostname>`).
 * Stands in for the DNS record and the public CA a deployment has, nothing more: the request,
 * TLS and the answer are real.
 */
export interface PinnedHost {
  hostname: string;
  port: number;
  caPem: string;
}

/**
 * A fetch that sends pinned names to their loopback port and everything else to `base`.
 * Why: an AT Protocol OAuth client_id must be an https URL on a public name (no IP, no port, no
 * .test/.localhost); the PDS's OAuth provider fetches it. Enough of fetch for that: method,
 * headers, a body, the answer streamed back; no redirects followed (callers here ask for none).
 */
export function pinnedFetch(pins: readonly PinnedHost[], base: typeof fetch = globalThis.fetch): typeof fetch {
  const byName = new Map(pins.map((p) => [p.hostname.toLowerCase(), p]));
  const pinned = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const pin = url.protocol === 'https:' && !url.port ? byName.get(url.hostname.toLowerCase()) : undefined;
    if (!pin) return base(input, init);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    if (body) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const r = request(
        { host: '127.0.0.1', port: pin.port, servername: pin.hostname, ca: pin.caPem, method: req.method, path: `${url.pathname}${url.search}`, headers: { ...headers, host: pin.hostname }, signal: req.signal },
        (res) => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, one);
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 304 || req.method === 'HEAD';
          if (nullBody) res.resume();
          resolve(
            new Response(
              nullBody
                ? null
                : new ReadableStream({
                    start(c) {
                      res.on('data', (chunk: Buffer) => c.enqueue(new Uint8Array(chunk)));
                      res.on('end', () => c.close());
                      res.on('error', (err) => c.error(err));
                    },
                  }),
              { status, statusText: res.statusMessage ?? '', headers: out },
            ),
          );
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  };
  return pinned as typeof fetch;
}
