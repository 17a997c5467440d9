import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { rebindingTargetPerSuite } from '../../../libs/testing/rebinding-suite.js';
import { fetchGuarded } from './media.js';

describe('media fetched for a Bluesky copy through the address guard', { timeout: 30_000 }, () => {
  const target = rebindingTargetPerSuite();

  it('refuses an image host that answers public to the check and 127.0.0.1 to the connection', async () => {
    const guard = new AddressGuard({ lookup: target.dns.lookup, network: 'atproto' });
    const before = await rejectedCount('atproto', 'private_address');
    await assert.rejects(fetchGuarded(`http://${target.host}:${target.port}/cat.png`, guard), /rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
    assert.equal(await rejectedCount('atproto', 'private_address'), before + 1);
  });
});
