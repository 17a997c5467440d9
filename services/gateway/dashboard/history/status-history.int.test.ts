import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedAccount } from '../../../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from '../../testing/gateway-fixture.js';
import { StatusHistory } from './status-history.js';

describe('status history on the real Postgres', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let history: StatusHistory;
  let account: string;

  before(async () => {
    gw = await startGateway();
    history = gw.app.get(StatusHistory);
    // Samples only when the test says: the 15 s timer would otherwise take a delta the assertions expect.
    history.onModuleDestroy();
    account = await seedAccount(gw.ds, [{ network: 'nostr', id: 'd4'.repeat(32), kind: 'native' }]);
    await history.sample(); // the baseline: what was there before counts in no interval after it
  });
  after(async () => {
    await gw?.close();
  });

  it('counts only what changed since the previous sample, and the lag of what is still waiting', async () => {
    await gw.ds.query(`INSERT INTO processed_events (event_id, outcome) VALUES ('e1', 'bridged'), ('e2', 'dropped')`);
    await gw.ds.query(
      `INSERT INTO deliveries (command_id, event_id, target, account_id, status, attempts, created_at) VALUES
        ('h1', 'e1', 'activitypub', $1, 'delivered', 1, now()),
        ('h2', 'e1', 'atproto', $1, 'failed', 2, now() - interval '90 seconds'),
        ('h3', 'e1', 'solid', $1, 'queued', 0, now() - interval '30 seconds')`,
      [account],
    );
    const first = await history.sample();
    assert.equal(first.eventsIn, 2);
    assert.deepEqual(first.delivered, { activitypub: 1, atproto: 0, nostr: 0, solid: 0 });
    assert.deepEqual(first.failed, { activitypub: 0, atproto: 1, nostr: 0, solid: 0 });
    assert.ok(first.lagSeconds.atproto >= 89 && first.lagSeconds.atproto < 200, `atproto lag ${first.lagSeconds.atproto}`);
    assert.ok(first.lagSeconds.solid >= 29, `solid lag ${first.lagSeconds.solid}`);
    assert.equal(first.lagSeconds.activitypub, 0);

    const second = await history.sample();
    assert.equal(second.eventsIn, 0, 'nothing new');
    assert.equal(second.delivered.activitypub, 0);
    assert.ok(second.lagSeconds.atproto >= first.lagSeconds.atproto, 'the failed command still waits');
  });

  it('serves the samples oldest first, with the sampling period', async () => {
    const r = await gw.call('GET', '/api/v1/status/history');
    assert.equal(r.status, 200);
    assert.equal(r.body.sampleEverySeconds, 15);
    assert.equal(r.body.samples.length, 3);
    const times = r.body.samples.map((s: { at: string }) => Date.parse(s.at));
    assert.deepEqual(times, [...times].sort((a: number, b: number) => a - b));
    assert.ok((await gw.call('GET', '/api/docs/openapi.json')).body.paths['/api/v1/status/history'], 'documented in OpenAPI');
  });
});
