import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard, isPrivateAddress } from './address-guard.js';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast and unspecified addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])
      assert.equal(isPrivateAddress(a), true, a);
  });
  it('refuses the IPv6 forms that reach IPv4 or are special-use, in the forms the URL parser writes them', () => {
    for (const a of ['::ffff:7f00:1', '::ffff:a9fe:a9fe', '::127.0.0.1', '::7f00:1', '64:ff9b::7f00:1', '64:ff9b::808:808', '64:ff9b:1::1', '2002:7f00:1::', '2001::1', '2001:0:4136:e378::1', '2001:db8::1', '100::1', 'fec0::1', 'fe80::1%eth0'])
      assert.equal(isPrivateAddress(a), true, a);
    for (const a of ['192.0.2.1', '192.0.0.8', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9', '240.0.0.1'])
      assert.equal(isPrivateAddress(a), true, a);
  });
  it('allows public addresses', () => {
    for (const a of ['1.1.1.1', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808', '2001:4860:4860::8888', '2a00:1450::1', '198.20.0.1', '203.0.114.1'])
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
    // The URL parser rewrites [::ffff:127.0.0.1] as [::ffff:7f00:1]: still loopback (this once passed the guard).
    for (const u of ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:169.254.169.254]/latest', 'http://[64:ff9b::7f00:1]/', 'http://0x7f000001/', 'http://2130706433/'])
      assert.equal((await guard.check(u)).ok, false, u);
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
