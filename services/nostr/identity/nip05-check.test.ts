import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { startTinyDnsServer } from '../../../libs/testing/index.js';
import { checkNip05, parseNip05Address } from './nip05-check.js';

const KEY = 'a'.repeat(64);

describe('NIP-05 check (real HTTP server on loopback)', () => {
  let server: Server;
  let origin: string;
  const opts = () => ({ guard: new AddressGuard({ allowPrivate: true }), origin: () => origin, timeoutMs: 1_000, maxBytes: 4_096 });

  before(async () => {
    server = createServer((req, res) => {
      const name = new URL(req.url!, 'http://x').searchParams.get('name');
      if (name === 'moved') return void res.writeHead(301, { location: `${origin}/.well-known/nostr.json?name=bob` }).end();
      if (name === 'huge') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ names: { huge: KEY }, pad: 'x'.repeat(10_000) }));
      if (name === 'garbage') return void res.writeHead(200).end('<html>not json');
      if (name === 'slow') return void setTimeout(() => res.end('{}'), 3_000);
      if (name === 'down') return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ names: { bob: KEY, _: KEY, other: 'b'.repeat(64) } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses a domain that rebinds to 127.0.0.1 between the check and the connection (not retried)', async () => {
    const dns = await startTinyDnsServer((name, nth) => (name === 'rebind.test' ? [nth === 0 ? '93.184.216.34' : '127.0.0.1'] : []));
    try {
      const port = new URL(origin).port;
      const guard = new AddressGuard({ lookup: dns.lookup, network: 'nostr' });
      assert.deepEqual(await checkNip05('bob@rebind.test', KEY, { guard, origin: (d) => `http://${d}:${port}`, timeoutMs: 1_000 }), {
        ok: false,
        reason: 'rebind.test resolves to private address 127.0.0.1 (at connection time)',
        transient: false,
      });
    } finally {
      await dns.close();
    }
  });

  it('parses addresses; a bare domain is `_@domain`', () => {
    assert.deepEqual(parseNip05Address('Bob@Example.com'), { local: 'bob', domain: 'example.com' });
    assert.deepEqual(parseNip05Address('example.com'), { local: '_', domain: 'example.com' });
    assert.equal(parseNip05Address('bob@'), undefined);
    assert.equal(parseNip05Address('<script>@x.com'), undefined);
  });

  it('accepts a name that names the key, in any case of the address', async () => {
    assert.deepEqual(await checkNip05('Bob@example.com', KEY, opts()), { ok: true });
    assert.deepEqual(await checkNip05('example.com', KEY, opts()), { ok: true });
  });

  it('refuses another key, a redirect, an oversized or unreadable document, each with a reason', async () => {
    const no = async (address: string, transient: boolean, reason: RegExp) => {
      const r = await checkNip05(address, KEY, opts());
      assert.equal(r.ok, false, address);
      if (!r.ok) {
        assert.match(r.reason, reason);
        assert.equal(r.transient, transient, `${address}: ${r.reason}`);
      }
    };
    await no('other@example.com', false, /another key/);
    await no('nobody@example.com', false, /another key/);
    await no('moved@example.com', false, /redirect/);
    await no('huge@example.com', false, /larger than/);
    await no('garbage@example.com', false, /unreadable/);
    await no('slow@example.com', true, /unreachable/);
    await no('down@example.com', true, /503/);
  });

  it('never fetches from a private address unless allowed (SSRF)', async () => {
    const r = await checkNip05('bob@example.com', KEY, { ...opts(), guard: new AddressGuard() });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.transient, false);
  });
});
