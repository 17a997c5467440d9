import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage, Subscription } from '../../../libs/bus/index.js';
import { outboundTopic, type OutboundCommand } from '../../../libs/events/index.js';
import { SECRET_BOX } from '../../../libs/platform/tokens.js';
import { issueAccountToken, type SecretBox } from '../../../libs/store/index.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { TranslatorModule } from '../../translator/translator.module.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

const DAN_KEY = 'd4'.repeat(32);
const DAN_AP = 'https://bridge.example/ap/users/dan';

describe('a person opts in and out through the API with their account token (gateway + translator, Postgres + Kafka)', { timeout: 180_000 }, () => {
  let gw: GatewayFixture;
  let sub: Subscription;
  const commands: OutboundCommand[] = [];

  before(async () => {
    gw = await startGateway({}, [TranslatorModule]);
    sub = await gw.bus.subscribe({
      groupId: `consent-${gw.prefix}`,
      topics: [outboundTopic('activitypub')],
      fromBeginning: true,
      handleBatch: async (ms: DeliveredMessage[]) => void commands.push(...ms.map((m) => JSON.parse(m.value.toString()) as OutboundCommand)),
    });
  });
  after(async () => {
    await sub?.stop();
    await gw?.close();
  });

  it('opts in, then out (the proxy is removed), audited with the account as actor; bad calls are 4xx naming the fault and change nothing', async () => {
    const box = gw.app.get<SecretBox>(SECRET_BOX);
    const dan = await seedAccount(gw.ds, [
      { network: 'nostr', id: DAN_KEY, handle: 'dan@example.com', kind: 'native' },
      { network: 'activitypub', id: DAN_AP, handle: '@dan@bridge.example', kind: 'bridged' },
    ], { consent: 'pending', mirror: { atproto: 'off', solid: 'off' } });
    const other = await seedAccount(gw.ds, [{ network: 'nostr', id: 'e5'.repeat(32), kind: 'native' }]);
    const as = (token: string) => ({ 'pontis-account': token });
    const mine = issueAccountToken(box, dan);
    const post = (body: unknown, headers: Record<string, string> = as(mine), id = dan) => gw.call('POST', `/api/v1/accounts/${id}/consent`, { body, headers });
    const consent = async () => (await gw.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [dan]))[0].consent;

    assert.equal((await post({ consent: 'opted_in' }, {})).status, 401);
    assert.equal((await post({ consent: 'opted_in' }, as('forged'))).status, 401);
    assert.equal((await post({ consent: 'opted_in' }, as(issueAccountToken(box, other)))).status, 403);
    const bad = await post({ consent: 'maybe' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /consent must be one of opted_in, opted_out/);
    assert.match((await post({ consent: 'opted_in', extra: 1 })).body.message, /unknown field\(s\) extra/);
    assert.equal((await post({ consent: 'opted_in' }, as(mine), 'not-a-uuid')).status, 400);
    assert.equal(await consent(), 'pending', 'refused requests changed nothing');

    const optIn = await post({ consent: 'opted_in' });
    assert.equal(optIn.status, 200, JSON.stringify(optIn.body));
    assert.deepEqual(optIn.body, { accountId: dan, consent: 'opted_in', changed: true });
    assert.equal(await consent(), 'opted_in');
    assert.equal((await post({ consent: 'opted_in' })).body.changed, false, 'a second opt-in is a no-op');

    const optOut = await post({ consent: 'opted_out' });
    assert.deepEqual(optOut.body, { accountId: dan, consent: 'opted_out', changed: true });
    assert.equal(await consent(), 'opted_out');
    const removal = await waitFor(() => commands.find((c) => c.event.type === 'account.deleted' && c.as.accountId === dan), { what: 'the removal of the fediverse proxy', timeoutMs: 60_000 });
    assert.deepEqual([removal.target, removal.as.id], ['activitypub', DAN_AP]);

    const audit = await gw.ds.query(`SELECT actor, action FROM audit_log WHERE target = $1 ORDER BY id`, [`account:${dan}`]);
    assert.deepEqual(audit.map((a: { actor: string; action: string }) => `${a.actor} ${a.action}`), [`account:${dan} account.opt-in`, `account:${dan} account.opt-out`]);
  });
});
