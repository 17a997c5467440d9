import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard, isPrivateAddress } from './address-guard.js';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast and unspecified addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])
      assert.equal(isPrivateAddress(a), true, a);
  });
  it('allows public addresses', () => {
    for (const a of ['1.1.1.1', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(isPrivateAddress(a), false, a);
  });
});

describe('AddressGuard', () => {
  const lookup = async (host: string) => {
    if (host === 'relay.example') return [{ address: '93.184.216.34' }];
    if (host === 'sneaky.example') return [{ address: '93.184.216.34' }, { address: '10.0.0.5' }];
    throw new Error('ENOTFOUND');
  };

  it('checks every address a host resolves to', async () => {
    const guard = new AddressGuard({ lookup });
    assert.deepEqual(await guard.check('wss://relay.example/'), { ok: true });
    assert.match(((await guard.check('wss://sneaky.example')) as { reason: string }).reason, /private address 10\.0\.0\.5/);
    assert.match(((await guard.check('ws://127.0.0.1:7777')) as { reason: string }).reason, /private/);
    assert.match(((await guard.check('ws://[::1]:7777')) as { reason: string }).reason, /private/);
    assert.match(((await guard.check('wss://nowhere.example')) as { reason: string }).reason, /does not resolve/);
  });

  it('lets tests and sandboxes use loopback when told to', async () => {
    assert.deepEqual(await new AddressGuard({ allowPrivate: true, lookup }).check('ws://127.0.0.1:7777'), { ok: true });
  });

  it('caches verdicts per host', async () => {
    let calls = 0;
    const guard = new AddressGuard({ lookup: async (h) => (calls++, lookup(h)), ttlMs: 1000, now: () => 0 });
    await guard.check('wss://relay.example/a');
    await guard.check('wss://relay.example/b');
    assert.equal(calls, 1);
  });
});
