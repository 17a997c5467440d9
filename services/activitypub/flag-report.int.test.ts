/**
 * An inbound Flag (a fediverse server's report about one of our bridged actors) from the Fedify
 * peer: verified like any inbox POST, published as report.created, and recorded where the admin
 * API lists it for moderators (the audit log, read here through the admin API's own repository).
 * Postgres (own schema), in-process bus.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Recorder } from '../../libs/adapter/testing.js';
import type { MemoryBus } from '../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../libs/events/index.js';
import type { ActivityPubPeer } from '../../libs/harness/index.js';
import type { TestStore } from '../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { AuditLogRepository } from '../gateway/admin/audit-log.repository.js';
import type { ActivityPubService } from './activitypub-service.js';
import { startApFixture, type ApFixture } from './testing/ap-fixture.js';
import { REPORT_ACTION } from './moderation/report-log.js';

describe('Flag from a Fedify server becomes a report for the moderators', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: ActivityPubPeer;
  let svc: ActivityPubService;
  let rec: Recorder;
  let bus: MemoryBus;
  let f: ApFixture;

  before(async () => {
    f = await startApFixture();
    ({ s, peer, svc, bus } = f);
    rec = await Recorder.on(bus, [TOPICS.events]);
  });

  after(async () => {
    await rec?.stop();
    await f?.stop();
  });

  it('is published as report.created and listed by the admin audit log with the reported account', async () => {
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: 'ef'.repeat(32), handle: 'spam@nostr.example', kind: 'native' }]);
    const spammer = (await svc.actors.ensure(account, { displayName: 'Spam' })).id;
    const mod = await peer.createUser(`mod${randomBytes(3).toString('hex')}`);
    const post = `${spammer.replace('/users/', '/objects/')}-post`;
    const { id } = await peer.send({ from: mod.name, to: spammer, activity: { type: 'Flag', content: 'spam, and rude', object: [spammer, post] } });

    const event = await waitFor(() => rec.json<BridgeEvent>(TOPICS.events).find((e) => e.type === 'report.created'), { timeoutMs: 20_000, what: 'report.created on the bus' });
    assert.equal(event.id, `activitypub:${id}`);
    assert.deepEqual(event.actor.id, mod.id);
    assert.deepEqual(event.report, { reason: 'spam, and rude', actors: [{ network: 'activitypub', id: spammer }], objects: [{ network: 'activitypub', id: post }] });

    const listed = await new AuditLogRepository(s.ds).list({ action: REPORT_ACTION }, { limit: 10 });
    assert.equal(listed.length, 1);
    const row = listed[0]!;
    assert.equal(row.actor, `activitypub:${mod.id}`);
    assert.equal(row.target, account, 'the reported account, as account moderation takes it');
    assert.equal(row.detail.reason, 'spam, and rude');
    assert.deepEqual(row.detail.accountIds, [account]);
    assert.deepEqual((row.detail.objects as { id: string }[]).map((o) => o.id), [post]);

    // The same Flag delivered again (a retry: a new Date, so not a replayed signature) is one report.
    await new Promise((r) => setTimeout(r, 1_100));
    await peer.send({ from: mod.name, to: spammer, activity: { id, type: 'Flag', content: 'spam, and rude', object: [spammer, post] } });
    assert.equal((await new AuditLogRepository(s.ds).list({ action: REPORT_ACTION }, { limit: 10 })).length, 1);
  });
});
