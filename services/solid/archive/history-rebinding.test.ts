import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { startRebindingTarget } from '../../../libs/testing/index.js';
import { trustingOwnServer, type UrlGuard } from '../pod/index.js';
import { ActivityPubHistory } from './activitypub-history.js';
import { AtprotoHistory } from './atproto-history.js';
import type { Original } from './history-source.js';

const original = (nativeId: string, network: Original['network']): Original => ({ objectKey: nativeId, network, nativeId, url: null });

// The archive re-reads a person's past posts at ids and PDS endpoints that other servers named:
// a host that answers a public address to the check and 127.0.0.1 to the connection must not
// reach the loopback server (the global fetch would).
describe('archive history sources through the address guard (DNS rebinding)', { timeout: 30_000 }, () => {
  let target: Awaited<ReturnType<typeof startRebindingTarget>>;
  let guard: UrlGuard; // one for the file: the public answer is given once, to its first (cached) check
  before(async () => {
    target = await startRebindingTarget();
    guard = trustingOwnServer(new AddressGuard({ lookup: target.dns.lookup, isPrivate: target.isPrivate, network: 'solid' }), 'https://solid.pontis.example/');
  });
  after(() => target.close());

  it('does not read a fediverse post whose host rebinds to 127.0.0.1', async () => {
    const id = `http://${target.host}:${target.port}/notes/1`;
    const before = await rejectedCount('solid', 'private_address');
    const found = await new ActivityPubHistory({ guard }).fetch([original(id, 'activitypub')], [`http://${target.host}:${target.port}/users/a`]);
    assert.equal(found.size, 0);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
  });

  it('does not read a Bluesky record from a PDS whose host rebinds to 127.0.0.1', async () => {
    const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
    const history = new AtprotoHistory({ plcUrl: 'https://plc.pontis.example', allowPrivate: false, guard, pdsOf: async () => `http://${target.host}:${target.port}/` });
    const before = await rejectedCount('solid', 'private_address');
    const found = await history.fetch([original(`at://${did}/app.bsky.feed.post/3l6oveex3ii2l`, 'atproto')], [did]);
    assert.equal(found.size, 0);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
    assert.equal(target.served(), 0);
  });

  it('does not follow a public server\'s redirect to 127.0.0.1', async () => {
    const id = `http://${target.publicHost}:${target.publicPort}/hop/notes/2`;
    const found = await new ActivityPubHistory({ guard }).fetch([original(id, 'activitypub')], [`http://${target.publicHost}:${target.publicPort}/users/a`]);
    assert.equal(found.size, 0);
    assert.equal(target.served(), 0);
  });
});
