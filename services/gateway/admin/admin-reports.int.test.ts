import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertReports, type ReportRecord } from '../../../libs/moderation/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

describe('admin reports API on the real Postgres', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let moderator: string;
  let account: string;

  const report = (n: number): ReportRecord => ({
    eventId: `activitypub:https://mastodon.example/flags/${n}`,
    network: 'activitypub',
    reporterId: 'https://mastodon.example/actor',
    reason: `reason ${n}`,
    actors: [{ network: 'activitypub', id: 'https://pontis.example/ap/users/spam', accountId: account, natives: [{ network: 'nostr', id: 'ef'.repeat(32) }] }],
    objects: [],
    accountIds: [account],
  });

  before(async () => {
    gw = await startGateway();
    moderator = await gw.token('moderator', 'mod');
    account = await seedAccount(gw.ds, [{ network: 'nostr', id: 'ef'.repeat(32), kind: 'native' }]);
    // As the translator records them (the same function, idempotent by event id).
    await insertReports(gw.ds.manager, [report(1), report(2), report(3)]);
    await insertReports(gw.ds.manager, [report(3)]);
    // Report 1 was forwarded to Nostr: the ledger row of its command.
    await gw.ds.query(`INSERT INTO deliveries (command_id, event_id, target, status) VALUES ($1, $2, 'nostr', 'delivered')`, [`${report(1).eventId}>nostr`, report(1).eventId]);
  });
  after(async () => {
    await gw?.close();
  });

  it('needs a token with at least the moderator role', async () => {
    assert.equal((await gw.call('GET', '/api/v1/admin/reports')).status, 401);
    assert.equal((await gw.call('GET', '/api/v1/admin/reports', { token: moderator })).status, 200);
  });

  it('lists newest first, paged, with the reported account, the originals and where it was forwarded', async () => {
    const first = await gw.call('GET', '/api/v1/admin/reports?limit=2', { token: moderator });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.items.map((r: { reason: string }) => r.reason), ['reason 3', 'reason 2']);
    assert.ok(first.body.nextCursor);
    const next = await gw.call('GET', `/api/v1/admin/reports?limit=2&before=${first.body.nextCursor}`, { token: moderator });
    assert.deepEqual(next.body.items.map((r: { reason: string }) => r.reason), ['reason 1']);
    assert.equal(next.body.nextCursor, null);
    const one = next.body.items[0];
    assert.deepEqual(one.accountIds, [account]);
    assert.equal(one.state, 'open');
    assert.deepEqual(one.actors[0].natives, [{ network: 'nostr', id: 'ef'.repeat(32) }]);
    assert.deepEqual(one.forwarded, [{ network: 'nostr', status: 'delivered', error: null }]);
  });

  it('resolves and dismisses with the audit log; a decided report cannot be decided again', async () => {
    const all = (await gw.call('GET', '/api/v1/admin/reports', { token: moderator })).body.items as { id: string; reason: string }[];
    const r2 = all.find((r) => r.reason === 'reason 2')!;
    const r3 = all.find((r) => r.reason === 'reason 3')!;
    const resolved = await gw.call('POST', `/api/v1/admin/reports/${r2.id}/resolve`, { token: moderator, body: { note: 'taken down' } });
    assert.equal(resolved.status, 200);
    assert.equal(resolved.body.state, 'resolved');
    assert.equal(resolved.body.note, 'taken down');
    assert.equal(resolved.body.decidedBy, 'token:mod');
    assert.equal((await gw.call('POST', `/api/v1/admin/reports/${r3.id}/dismiss`, { token: moderator })).body.state, 'dismissed');
    assert.equal((await gw.call('POST', `/api/v1/admin/reports/${r2.id}/dismiss`, { token: moderator })).status, 409);

    const audit = await gw.call('GET', '/api/v1/admin/audit?action=report.', { token: moderator });
    assert.deepEqual(audit.body.items.map((a: { action: string }) => a.action).sort(), ['report.dismiss', 'report.resolve']);
    const resolveRow = audit.body.items.find((a: { action: string }) => a.action === 'report.resolve');
    assert.equal(resolveRow.target, account);
    assert.equal(resolveRow.detail.note, 'taken down');

    const open = await gw.call('GET', '/api/v1/admin/reports?state=open', { token: moderator });
    assert.deepEqual(open.body.items.map((r: { reason: string }) => r.reason), ['reason 1']);
    const dismissed = await gw.call('GET', '/api/v1/admin/reports?state=dismissed', { token: moderator });
    assert.deepEqual(dismissed.body.items.map((r: { reason: string }) => r.reason), ['reason 3']);
  });

  it('answers bad input with a clear 400 and an unknown report with 404', async () => {
    assert.equal((await gw.call('GET', '/api/v1/admin/reports?state=closed', { token: moderator })).status, 400);
    assert.equal((await gw.call('GET', '/api/v1/admin/reports/abc', { token: moderator })).status, 400);
    assert.equal((await gw.call('GET', '/api/v1/admin/reports/999999', { token: moderator })).status, 404);
    assert.equal((await gw.call('POST', '/api/v1/admin/reports/999999/resolve', { token: moderator })).status, 404);
    const extra = await gw.call('POST', '/api/v1/admin/reports/1/resolve', { token: moderator, body: { note: 'x', extra: 1 } });
    assert.equal(extra.status, 400);
    assert.match(extra.body.message, /unknown field/);
  });
});
