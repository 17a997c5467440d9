/**
 * Reports across networks, with the Fedify peer as the fediverse:
 * - an inbound Flag (a fediverse server's report about one of our bridged actors) is verified like
 *   any inbox POST, published as report.created, and the translator records it where the admin API
 *   lists it for moderators (`reports`), with the reported account behind the proxy, and forwards
 *   it to the person's home network (a command on bridge.outbound.nostr.v1 here);
 * - a report made on another network about a fediverse person's proxy reaches their server as a
 *   Flag from our instance actor.
 * Postgres (own schema), in-process bus, the real translator and outbound runner.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Recorder } from '../../libs/adapter/testing.js';
import type { MemoryBus } from '../../libs/bus/index.js';
import { outboundTopic, TOPICS, type BridgeEvent, type OutboundCommand } from '../../libs/events/index.js';
import type { ActivityPubPeer } from '../../libs/harness/index.js';
import type { TestStore } from '../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { listReports } from '../../libs/moderation/index.js';
import { TranslatorService } from '../translator/translator.service.js';
import { INSTANCE_USERNAME, type ActivityPubService } from './activitypub-service.js';
import { actorUrl } from './mapping/index.js';
import { startApFixture, type ApFixture } from './testing/ap-fixture.js';

describe('Flag from a Fedify server becomes a report for the moderators', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: ActivityPubPeer;
  let svc: ActivityPubService;
  let rec: Recorder;
  let bus: MemoryBus;
  let f: ApFixture;
  let translator: TranslatorService;

  before(async () => {
    f = await startApFixture();
    ({ s, peer, svc, bus } = f);
    rec = await Recorder.on(bus, [TOPICS.events, outboundTopic('nostr')]);
    translator = new TranslatorService(bus, s.ds, { partitions: 1, pendingTimeoutMs: 60_000, sweepIntervalMs: 3_600_000 });
    await translator.start();
    await svc.start();
  });

  after(async () => {
    await translator?.stop();
    await rec?.stop();
    await f?.stop();
  });

  it('is published as report.created, recorded for the moderators with the reported account, and forwarded to the person\'s home network', async () => {
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: 'ef'.repeat(32), handle: 'spam@nostr.example', kind: 'native' }]);
    const spammer = (await svc.actors.ensure(account, { displayName: 'Spam' })).id;
    const mod = await peer.createUser(`mod${randomBytes(3).toString('hex')}`);
    const post = `${spammer.replace('/users/', '/objects/')}-post`;
    const { id } = await peer.send({ from: mod.name, to: spammer, activity: { type: 'Flag', content: 'spam, and rude', object: [spammer, post] } });

    const event = await waitFor(() => rec.json<BridgeEvent>(TOPICS.events).find((e) => e.type === 'report.created'), { timeoutMs: 20_000, what: 'report.created on the bus' });
    assert.equal(event.id, `activitypub:${id}`);
    assert.deepEqual(event.actor.id, mod.id);
    assert.deepEqual(event.report, { reason: 'spam, and rude', actors: [{ network: 'activitypub', id: spammer }], objects: [{ network: 'activitypub', id: post }] });

    const row = await waitFor(async () => (await listReports(s.ds.manager, { state: 'open', limit: 10 })).find((r) => r.eventId === event.id), { what: 'report recorded' });
    assert.equal(row.reporterId, mod.id);
    assert.equal(row.network, 'activitypub');
    assert.equal(row.reason, 'spam, and rude');
    assert.deepEqual(row.accountIds, [account], 'the reported account, as account moderation takes it');
    assert.deepEqual(row.actors[0]!.natives, [{ network: 'nostr', id: 'ef'.repeat(32), handle: 'spam@nostr.example' }]);
    assert.deepEqual(row.objects.map((o) => o.id), [post]);
    // Forwarded to the person's home network, as the bridge (the Nostr adapter signs it with its own key).
    const fwd = await waitFor(() => rec.json<OutboundCommand>(outboundTopic('nostr')).find((c) => c.eventId === event.id), { what: 'forward command' });
    assert.deepEqual(fwd.actors, { [`activitypub:${spammer}`]: { id: 'ef'.repeat(32), handle: 'spam@nostr.example' } });
    assert.equal(fwd.as.accountId, '');
    await waitFor(async () => (await listReports(s.ds.manager, { limit: 10 }))[0]?.forwarded.some((x) => x.network === 'nostr'), { what: 'forward in the ledger' });

    // The same Flag delivered again (a retry: a new Date, so not a replayed signature) is one report.
    await new Promise((r) => setTimeout(r, 1_100));
    await peer.send({ from: mod.name, to: spammer, activity: { id, type: 'Flag', content: 'spam, and rude', object: [spammer, post] } });
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await listReports(s.ds.manager, { limit: 10 })).length, 1);
  });

  it('a report made on Nostr about a fediverse person\'s proxy reaches their server as a Flag from our instance actor', async () => {
    const alice = await peer.createUser(`alice${randomBytes(3).toString('hex')}`);
    const proxyPk = 'ab'.repeat(32);
    const account = await seedAccount(s.ds, [
      { network: 'activitypub', id: alice.id, handle: alice.handle, kind: 'native' },
      { network: 'nostr', id: proxyPk, handle: 'alice@pontis.example', kind: 'bridged' },
    ]);
    const reporter = 'cd'.repeat(32);
    const evId = 'ee'.repeat(32);
    const report: BridgeEvent = {
      v: 1,
      id: `nostr:${evId}`,
      type: 'report.created',
      occurredAt: new Date().toISOString(),
      source: { network: 'nostr', id: evId },
      actor: { network: 'nostr', id: reporter },
      trace: { origin: 'nostr', hops: 0 },
      report: { reason: '[spam] buy now', actors: [{ network: 'nostr', id: proxyPk }], objects: [] },
    };
    await bus.publish(TOPICS.events, [{ key: reporter, value: JSON.stringify(report) }]);
    const flag = await waitFor(() => peer.received('*').then((all) => all.find((a) => a.type === 'Flag' && JSON.stringify(a.json).includes(alice.id))), { timeoutMs: 20_000, what: 'Flag at the fediverse server' });
    assert.equal(flag.actor, actorUrl(f.base, INSTANCE_USERNAME), 'sent by the instance actor');
    assert.match(String(flag.json.content), /Reported on nostr through the Pontis bridge: \[spam\] buy now/);
    assert.ok(!JSON.stringify(flag.json).includes(reporter), 'the reporter is not named');
    const row = (await listReports(s.ds.manager, { limit: 10 })).find((r) => r.eventId === report.id);
    assert.deepEqual(row?.accountIds, [account]);
    await waitFor(async () => (await listReports(s.ds.manager, { limit: 10 })).find((r) => r.eventId === report.id)?.forwarded.find((x) => x.network === 'activitypub' && x.status === 'delivered'), { what: 'forward delivered in the ledger' });
  });
});
