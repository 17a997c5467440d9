/**
 * DNS rebinding, for real: a name server on loopback answers a public-looking address to the
 * guard's check and 127.0.0.1 to the connection that follows; the connection must be refused with
 * the reason and counted, and the server on 127.0.0.1 must see nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rejectedCount } from '../observability/index.js';
import { startTinyDnsServer } from '../testing/tiny-dns-server.js';
import { AddressGuard, AddressRefusedError, isPrivateAddress } from './address-guard.js';

describe('connections pinned to the addresses the guard approved', { timeout: 30_000 }, () => {
  let internal: Server; // stands for what an attacker wants to reach: a metadata service, an admin port
  let internalHits = 0;
  let port = 0;
  let dns: Awaited<ReturnType<typeof startTinyDnsServer>>;

  before(async () => {
    internal = createServer((req, res) => {
      if (req.url === '/hop') {
        // A "public" host (127.0.0.2 below) redirecting to the internal one.
        res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` }).end();
        return;
      }
      internalHits++;
      res.end('secret');
    });
    // Listening on every loopback address: 127.0.0.1 is internal, 127.0.0.2 plays a public host.
    await new Promise<void>((resolve) => internal.listen(0, '0.0.0.0', resolve));
    port = (internal.address() as AddressInfo).port;
    dns = await startTinyDnsServer((name, nth) => {
      if (name === 'rebind.test') return [nth === 0 ? '93.184.216.34' : '127.0.0.1'];
      if (name === 'rebind-local.test') return [nth === 0 ? '127.0.0.2' : '127.0.0.1'];
      if (name === 'steady.test' || name === 'hop.test') return ['127.0.0.2'];
      return [];
    });
  });
  after(async () => {
    internal.close();
    await dns.close();
  });

  // Tests that need a connection to succeed call 127.0.0.2 public; everything else follows isPrivateAddress.
  const publicAt2 = (a: string) => a !== '127.0.0.2' && isPrivateAddress(a);

  it('refuses the second answer of a rebinding name: checked public, connected private', async () => {
    const guard = new AddressGuard({ lookup: dns.lookup, network: 'activitypub' });
    const url = `http://rebind.test:${port}/latest/meta-data/`;
    assert.deepEqual(await guard.check(url), { ok: true }, 'the first answer (93.184.216.34) passes the check');
    const before = await rejectedCount('activitypub', 'private_address');
    const err = await guard.fetch(url).catch((e: unknown) => e);
    assert.ok(err instanceof AddressRefusedError, `refused, not ${String(err)}`);
    assert.match(err.message, /refused: rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(await rejectedCount('activitypub', 'private_address'), before + 1, 'counted once');
    assert.equal(dns.queries('rebind.test'), 2, 'the connection asked the name server again');
    assert.equal(internalHits, 0, 'nothing reached 127.0.0.1');
  });

  it('connects to the very address it approved, and refuses the same rebinding over a WebSocket', async () => {
    const guard = new AddressGuard({ lookup: dns.lookup, isPrivate: publicAt2, network: 'nostr' });
    const ok = await guard.fetch(`http://steady.test:${port}/secret`);
    assert.equal(await ok.text(), 'secret', 'steady.test (127.0.0.2, public here) is reached through the guard\'s own resolution');
    const hits = internalHits;
    assert.equal((await guard.check(`ws://rebind-local.test:${port}/`)).ok, true);
    const before = await rejectedCount('nostr', 'private_address');
    const ws = guard.webSocket(`ws://rebind-local.test:${port}/`);
    await new Promise<void>((resolve) => ws.addEventListener('error', () => resolve(), { once: true }));
    assert.equal(await rejectedCount('nostr', 'private_address'), before + 1);
    assert.equal(internalHits, hits, 'the upgrade never reached 127.0.0.1');
  });

  it('refuses a redirect from a public host to a private one, whatever the caller\'s redirect mode', async () => {
    const guard = new AddressGuard({ lookup: dns.lookup, isPrivate: publicAt2, network: 'atproto' });
    const hits = internalHits;
    const before = await rejectedCount('atproto', 'private_address');
    const err = await guard.fetch(`http://hop.test:${port}/hop`, { redirect: 'follow' }).catch((e: unknown) => e);
    assert.ok(err instanceof AddressRefusedError, `refused, not ${String(err)}`);
    assert.match(err.message, /127\.0\.0\.1 is a private address/);
    assert.equal(await rejectedCount('atproto', 'private_address'), before + 1);
    assert.equal(internalHits, hits);
  });

  it('keeps the test and sandbox setting: with allowPrivate, loopback names connect', async () => {
    const guard = new AddressGuard({ lookup: dns.lookup, allowPrivate: true });
    assert.equal(await (await guard.fetch(`http://rebind.test:${port}/secret`)).text(), 'secret');
    assert.equal(await (await guard.fetch(`http://127.0.0.1:${port}/secret`)).text(), 'secret');
  });
});
