import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage, Subscription } from '../../../libs/bus/index.js';
import { outboundTopic, type OutboundCommand } from '../../../libs/events/index.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { TranslatorModule } from '../../translator/translator.module.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

const CAROL_KEY = 'e5'.repeat(32);
const CAROL_AP = 'https://bridge.example/ap/users/carol';
const CAROL_DID = 'did:plc:cccccccccccccccccccccccc';

describe('opt-out through the admin API removes the proxies on every network (gateway + translator, Postgres + Kafka)', { timeout: 180_000 }, () => {
  let gw: GatewayFixture;
  let sub: Subscription;
  const commands: OutboundCommand[] = [];
  let moderator: string;

  before(async () => {
    gw = await startGateway({}, [TranslatorModule]);
    moderator = await gw.token('moderator');
    sub = await gw.bus.subscribe({
      groupId: `optout-${gw.prefix}`,
      topics: [outboundTopic('activitypub'), outboundTopic('atproto'), outboundTopic('solid')],
      fromBeginning: true,
      handleBatch: async (ms: DeliveredMessage[]) => void commands.push(...ms.map((m) => JSON.parse(m.value.toString()) as OutboundCommand)),
    });
  });
  after(async () => {
    await sub?.stop();
    await gw?.close();
  });

  it('opts out, audits it, and the translator sends a removal for each proxy as that proxy', async () => {
    const id = await seedAccount(gw.ds, [
      { network: 'nostr', id: CAROL_KEY, handle: 'carol@example.com', kind: 'native' },
      { network: 'activitypub', id: CAROL_AP, handle: '@carol_at_example.com@bridge.example', kind: 'bridged' },
      { network: 'atproto', id: CAROL_DID, handle: 'carol.bridge.example', kind: 'bridged' },
    ], { mirror: { solid: 'off' } });

    const r = await gw.call('POST', `/api/v1/admin/accounts/${id}/opt-out`, { token: moderator, body: { reason: 'asked by mail' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.changed, true);
    assert.equal(r.body.deletionEvents.length, 1, 'one native identity, one account.deleted');
    const [acct] = await gw.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [id]);
    assert.equal(acct.consent, 'opted_out');

    const removals = await waitFor(() => {
      const mine = commands.filter((c) => c.event.type === 'account.deleted' && c.as.accountId === id);
      return mine.length >= 2 && mine;
    }, { what: 'account.deleted commands for both proxies', timeoutMs: 60_000 });
    assert.deepEqual(removals.map((c) => `${c.target} ${c.as.mode} ${c.as.id}`).sort(), [`activitypub bridged ${CAROL_AP}`, `atproto bridged ${CAROL_DID}`]);
    assert.deepEqual(removals[0]!.event.actor, { network: 'nostr', id: CAROL_KEY, handle: 'carol@example.com' });
    // The translator puts commands on the bus before it writes its ledger (translator.service.ts): wait for the ledger.
    const ledger = await waitFor(async () => {
      const rows: { target: string }[] = await gw.ds.query(`SELECT target FROM deliveries WHERE account_id = $1 ORDER BY target`, [id]);
      return rows.length >= 2 && rows;
    }, { what: 'the ledger rows of the removals', timeoutMs: 30_000 });
    assert.deepEqual(ledger.map((d) => d.target), ['activitypub', 'atproto']);

    const audit = await gw.call('GET', `/api/v1/admin/audit?action=account.opt-out`, { token: moderator });
    assert.equal(audit.body.items[0].target, `account:${id}`);
    assert.equal(audit.body.items[0].detail.reason, 'asked by mail');

    // Asking again sends the same events (same ids): the translator's dedupe makes it harmless.
    const again = await gw.call('POST', `/api/v1/admin/accounts/${id}/opt-out`, { token: moderator });
    assert.equal(again.body.changed, false);
    assert.deepEqual(again.body.deletionEvents, r.body.deletionEvents);
    await new Promise((res) => setTimeout(res, 2_000));
    assert.equal(commands.filter((c) => c.event.type === 'account.deleted' && c.as.accountId === id).length, 2, 'no second round of removals');
  });

  it('answers 404, 400 and 401 for an unknown id, a bad id and no token', async () => {
    assert.equal((await gw.call('POST', `/api/v1/admin/accounts/00000000-0000-4000-8000-000000000000/opt-out`, { token: moderator })).status, 404);
    assert.equal((await gw.call('POST', `/api/v1/admin/accounts/nope/opt-out`, { token: moderator })).status, 400);
    assert.equal((await gw.call('POST', `/api/v1/admin/accounts/00000000-0000-4000-8000-000000000000/opt-out`)).status, 401);
  });
});
