import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { startTinyDnsServer } from '../../../libs/testing/index.js';
import { createIdResolver } from './id-resolver.js';

describe('DID resolution through the address guard', { timeout: 30_000 }, () => {
  let server: Server; // on 127.0.0.1: what a rebinding did:web host would like us to read
  let served = 0;
  let port = 0;
  let dns: Awaited<ReturnType<typeof startTinyDnsServer>>;

  before(async () => {
    server = createServer((_req, res) => {
      served++;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    dns = await startTinyDnsServer((name, nth) => (name === 'rebind.test' ? [nth === 0 ? '93.184.216.34' : '127.0.0.1'] : []));
  });
  after(async () => {
    server.close();
    await dns.close();
  });

  it('refuses a did:web host that answers public to the check and 127.0.0.1 to the connection', async () => {
    const guard = new AddressGuard({ lookup: dns.lookup, network: 'atproto' });
    const resolver = createIdResolver('https://plc.directory', false, undefined, guard);
    const before = await rejectedCount('atproto', 'private_address');
    await assert.rejects(resolver.did.resolve(`did:web:rebind.test%3A${port}`), /rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(await rejectedCount('atproto', 'private_address'), before + 1);
    assert.equal(dns.queries('rebind.test'), 2, 'checked once, resolved again for the connection');
    assert.equal(served, 0);
  });
});
