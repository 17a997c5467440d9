import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { rebindingTargetPerSuite } from '../../../libs/testing/rebinding-suite.js';
import { createIdResolver } from './id-resolver.js';

describe('DID resolution through the address guard', { timeout: 30_000 }, () => {
  const target = rebindingTargetPerSuite(); // its server: what a rebinding did:web host would like us to read

  it('refuses a did:web host that answers public to the check and 127.0.0.1 to the connection', async () => {
    const guard = new AddressGuard({ lookup: target.dns.lookup, network: 'atproto' });
    const resolver = createIdResolver('https://plc.directory', false, undefined, guard);
    const before = await rejectedCount('atproto', 'private_address');
    await assert.rejects(resolver.did.resolve(`did:web:${target.host}%3A${target.port}`), /rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(await rejectedCount('atproto', 'private_address'), before + 1);
    assert.equal(target.dns.queries('rebind.test'), 2, 'checked once, resolved again for the connection');
    assert.equal(target.served(), 0);
  });
});
