/**
 * An inbound Flag (a fediverse server's report about one of our bridged actors) from the Fedify
 * peer: verified like any inbox POST, published as report.created, and recorded where the admin
 * API lists it for moderators (the audit log, read here through the admin API's own repository).
 * Postgres (own schema), in-process bus.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Recorder } from '../../libs/adapter/testing.js';
import { MemoryBus } from '../../libs/bus/index.js';
import { coreTopics, TOPICS, type BridgeEvent } from '../../libs/events/index.js';
import { ActivityPubPeer } from '../../libs/harness/index.js';
import { SecretBox } from '../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { AuditLogRepository } from '../gateway/admin/audit-log.repository.js';
import { ActivityPubService } from './activitypub-service.js';
import { REPORT_ACTION } from './moderation/report-log.js';

describe('Flag from a Fedify server becomes a report for the moderators', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: ActivityPubPeer;
  let svc: ActivityPubService;
  let server: Server;
  let rec: Recorder;
  const bus = new MemoryBus();

  before(async () => {
    peer = new ActivityPubPeer();
    const [store] = await Promise.all([createTestStore(), peer.start()]);
    s = store;
    await bus.start();
    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 1 })));
    rec = await Recorder.on(bus, [TOPICS.events]);
    const app = express();
    app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'], verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    svc = new ActivityPubService({ ds: s.ds, box: new SecretBox(randomBytes(32)), bus, baseUrl: base, allowPrivateAddresses: true });
    await svc.init();
    app.use(svc.router());
  });

  after(async () => {
    await svc?.stop();
    await rec?.stop();
    await bus.stop();
    server?.close();
    await peer?.stop();
    await s?.drop();
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
