import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { rebindingTargetPerSuite } from '../../../libs/testing/rebinding-suite.js';
import { DpopKey } from './dpop.js';
import { PodClient } from './pod-client.js';
import { TokenSession } from './token-session.js';
import { trustingOwnServer } from './trusted-guard.js';

// A person's pod on a host whose name answers a public address to the check and 127.0.0.1 to
// the connection: the pod client must connect to what it checked (the session's own transport
// is the global fetch, which resolves again and would reach the loopback server).
describe('pod client through the address guard (DNS rebinding)', { timeout: 30_000 }, () => {
  const target = rebindingTargetPerSuite();

  const client = (isPrivate?: (a: string) => boolean) =>
    new PodClient(new TokenSession('token', DpopKey.generate()), trustingOwnServer(new AddressGuard({ lookup: target.dns.lookup, isPrivate, network: 'solid' }), 'https://solid.pontis.example/'));

  it('refuses a pod whose host rebinds to 127.0.0.1, permanently, with the reason, and counts it', async () => {
    const pods = client();
    const before = await rejectedCount('solid', 'private_address');
    // One guard: the first answer is its cached verdict, every connection asks the name server again.
    for (const call of [(c: PodClient, u: string) => c.get(u), (c: PodClient, u: string) => c.put(u, '{}', 'application/ld+json')]) {
      const err = await call(pods, `http://${target.host}:${target.port}/social/note`).catch((e: unknown) => e);
      assert.ok(err instanceof DeliveryError, `a DeliveryError, not ${String(err)}`);
      assert.equal(err.kind, 'permanent');
      assert.equal(err.status, 'address-guard');
      assert.match(err.message, /rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    }
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
    assert.equal(await rejectedCount('solid', 'private_address'), before + 2, 'one refusal per request');
  });

  it('does not follow a public pod\'s redirect to 127.0.0.1', async () => {
    const res = await client(target.isPrivate).get(`http://${target.publicHost}:${target.publicPort}/hop`).catch((e: unknown) => e);
    // Pods are read with redirect: 'manual': the 302 is the answer, and a DeliveryError names it.
    assert.ok(res instanceof DeliveryError && res.status === 302, `the redirect answered, not followed: ${String(res)}`);
    assert.equal(target.served(), 0);
  });
});
