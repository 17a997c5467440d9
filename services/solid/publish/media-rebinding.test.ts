import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { rebindingTargetPerSuite } from '../../../libs/testing/rebinding-suite.js';
import { trustingOwnServer, type PodClient } from '../pod/index.js';
import { copyMedia } from './media-copier.js';

describe('media copied into a pod through the address guard', { timeout: 30_000 }, () => {
  const target = rebindingTargetPerSuite();

  it('leaves an attachment whose host rebinds to 127.0.0.1 linked at its origin, never fetched', async () => {
    const guard = trustingOwnServer(new AddressGuard({ lookup: target.dns.lookup, network: 'solid' }), 'https://solid.pontis.example/');
    let written = 0;
    // Reached only after a fetch that got through; the assertion on served() is what fails then.
    const client = { putBytes: async () => void written++ } as unknown as PodClient;
    const before = await rejectedCount('solid', 'private_address');
    const copied = await copyMedia({ client, guard }, { url: `http://${target.host}:${target.port}/cat.png`, mediaType: 'image/png' } as never, 'https://solid.pontis.example/x/media/cat.png');
    assert.equal(copied, false);
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
    assert.equal(written, 0);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
  });
});
