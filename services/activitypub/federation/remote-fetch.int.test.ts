/**
 * The guarded fetcher against small hostile servers on loopback (the fault cases of
 * reference/security-and-delivery.md): authorized fetch, oversized bodies, slow servers,
 * redirect loops, a redirect to a private address, and 410/500 answers to deliveries.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { AddressGuard, isPrivateAddress } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { startTinyDnsServer } from '../../../libs/testing/index.js';
import { checkRequest, verifyWithKey } from './http-signature.js';
import { RemoteFetcher } from './remote-fetch.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const signer = { keyId: 'https://pontis.example/ap/users/pontis#main-key', privateKeyPem: keys.privateKey };

describe('RemoteFetcher', { timeout: 30_000 }, () => {
  let server: Server;
  let base: string;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/signed-only': (req, res) => {
      // Authorized fetch: only a valid signature gets the document.
      try {
        const params = checkRequest({ method: 'GET', path: req.url!, headers: req.headers as Record<string, string> }, { windowMs: 60_000 });
        if (!verifyWithKey({ method: 'GET', path: req.url!, headers: req.headers as Record<string, string> }, params, keys.publicKey)) throw new Error('bad');
        res.setHeader('content-type', 'application/activity+json');
        res.end(JSON.stringify({ id: `${base}/signed-only`, type: 'Person' }));
      } catch {
        res.statusCode = 401;
        res.end();
      }
    },
    '/huge': (_req, res) => {
      res.setHeader('content-type', 'application/activity+json');
      res.write('{"id":"x","pad":"');
      const chunk = 'a'.repeat(64 * 1024);
      let n = 0;
      const pump = () => {
        while (n++ < 64) if (!res.write(chunk)) return void res.once('drain', pump);
        res.end('"}');
      };
      pump();
    },
    '/slow': () => undefined, // never answers
    '/loop': (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', '/loop');
      res.end();
    },
    '/to-metadata': (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
      res.end();
    },
    '/gone': (_req, res) => {
      res.statusCode = 410;
      res.end('gone');
    },
    '/broken': (_req, res) => {
      res.statusCode = 500;
      res.end('<html>'.padEnd(5000, 'x'));
    },
    '/refuse': (_req, res) => {
      res.statusCode = 401;
      res.end('bad signature');
    },
  };

  before(async () => {
    server = createServer((req, res) => (routes[req.url!.split('?')[0]!] ?? ((_q, r) => ((r.statusCode = 404), r.end())))(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  // 127.0.0.1 (the server itself) counts as public here; every other private address is still refused.
  const loopbackOnly = new AddressGuard({ isPrivate: (a) => a !== '127.0.0.1' && isPrivateAddress(a) });
  const fetcher = (o: Partial<ConstructorParameters<typeof RemoteFetcher>[0]> = {}) =>
    new RemoteFetcher({ guard: loopbackOnly, signer: async () => signer, timeoutMs: 1_000, maxBytes: 1_000_000, ...o });

  it('signs GETs, so servers with authorized fetch answer', async () => {
    assert.equal((await fetcher().getJson(`${base}/signed-only`)).type, 'Person');
    await assert.rejects(fetcher({ signer: async () => undefined }).getJson(`${base}/signed-only`), /answered 401/);
  });

  it('refuses a body over the limit, a server that does not answer, and a redirect loop', async () => {
    await assert.rejects(fetcher().getJson(`${base}/huge`), /exceeds the 1000000-byte limit/);
    await assert.rejects(fetcher().getJson(`${base}/slow`), /timed out after 1000 ms/);
    await assert.rejects(fetcher().getJson(`${base}/loop`), /too many redirects/);
  });

  it('checks every redirect hop: a redirect to the metadata address is refused', async () => {
    await assert.rejects(fetcher().getJson(`${base}/to-metadata`), /refused: 169\.254\.169\.254 is a private address/);
  });

  it('DNS rebinding: a key host answering public to the check and 127.0.0.1 to the connection is refused, nothing fetched', async () => {
    const port = new URL(base).port;
    let served = 0;
    server.prependListener('request', () => served++);
    const dns = await startTinyDnsServer((name, nth) => (name === 'keys.rebind.test' ? [nth === 0 ? '93.184.216.34' : '127.0.0.1'] : []));
    try {
      const before = await rejectedCount('activitypub', 'private_address');
      const f = new RemoteFetcher({ guard: new AddressGuard({ lookup: dns.lookup, network: 'activitypub' }), timeoutMs: 1_000, maxBytes: 1_000_000 });
      await assert.rejects(f.getJson(`http://keys.rebind.test:${port}/signed-only`), /refused: keys\.rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
      assert.equal(await rejectedCount('activitypub', 'private_address'), before + 1);
      assert.equal(served, 0, 'the server on 127.0.0.1 saw no request');
    } finally {
      await dns.close();
    }
  });

  it('without the test setting, loopback itself is refused before connecting', async () => {
    await assert.rejects(new RemoteFetcher({ guard: new AddressGuard() }).getJson(`${base}/signed-only`), /refused: 127\.0\.0\.1 is a private address/);
  });

  it('deliveries: 410 → gone, 500 → transient with a truncated body, 401 → permanent', async () => {
    const f = fetcher();
    const err = async (path: string) => (await f.postActivity(`${base}${path}`, '{}', signer).catch((e: unknown) => e)) as DeliveryError;
    assert.equal((await err('/gone')).kind, 'gone');
    const broken = await err('/broken');
    assert.equal(broken.kind, 'transient');
    assert.ok(broken.body!.length <= 513);
    assert.equal((await err('/refuse')).kind, 'permanent');
  });
});
