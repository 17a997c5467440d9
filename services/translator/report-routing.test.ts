import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFixture, type BridgeEvent } from '../../libs/events/index.js';
import { translate } from './translate.js';
import { addAccount, testContext } from './test-context.js';
import type { IdentityInfo, TranslationContext } from './translation-context.js';

const FEDI = 'https://mastodon.example/users/fay';
const FEDI_PROXY_PK = 'f1'.repeat(32);
const NOSTR_PK = 'a2'.repeat(32);
const NOSTR_PROXY_AP = 'https://pontis.example/ap/users/npub1nina';
const NOTE = 'b3'.repeat(32);
const NOTE_COPY_AP = 'https://pontis.example/ap/objects/nina-1';

function context(): TranslationContext {
  const ctx = testContext({ blockedDomains: ['blocked.example'] });
  const add = (id: string, identities: Omit<IdentityInfo, 'accountId'>[]) => void addAccount(ctx, id, identities);
  add('acct-fay', [{ network: 'activitypub', id: FEDI, kind: 'native', handle: '@fay@mastodon.example' }, { network: 'nostr', id: FEDI_PROXY_PK, kind: 'bridged' }]);
  add('acct-nina', [{ network: 'nostr', id: NOSTR_PK, kind: 'native' }, { network: 'activitypub', id: NOSTR_PROXY_AP, kind: 'bridged' }]);
  const info = { objectKey: 'k-note', owner: `nostr:${NOSTR_PK}`, copies: { nostr: { id: NOTE, original: true }, activitypub: { id: NOTE_COPY_AP, original: false } }, planned: new Set<never>(), deleted: false };
  ctx.objects.set(`nostr:${NOTE}`, info);
  ctx.objects.set(`activitypub:${NOTE_COPY_AP}`, info);
  return ctx;
}

let n = 0;
function flag(report: BridgeEvent['report'], actor = 'https://mastodon.example/users/mod'): BridgeEvent {
  const id = `https://mastodon.example/flags/${++n}`;
  return { ...eventFixture('report.created'), id: `activitypub:${id}`, source: { network: 'activitypub', id }, actor: { network: 'activitypub', id: actor }, report };
}

describe('reports across networks (report-routing)', () => {
  it('maps the reported proxy and copy to the person and the original, and forwards to their home network as the bridge', () => {
    const out = translate(flag({ reason: 'spam', actors: [{ network: 'activitypub', id: NOSTR_PROXY_AP }], objects: [{ network: 'activitypub', id: NOTE_COPY_AP }] }), context());
    assert.equal(out.kind, 'translated');
    if (out.kind !== 'translated') return;
    assert.deepEqual(out.report?.accountIds, ['acct-nina']);
    assert.deepEqual(out.report?.actors[0]?.natives, [{ network: 'nostr', id: NOSTR_PK }]);
    assert.deepEqual(out.report?.objects[0]?.original, { network: 'nostr', id: NOTE });
    assert.deepEqual(out.commands.map((c) => c.target), ['nostr'], 'only the home network, and only where a report can be carried');
    const c = out.commands[0]!;
    assert.deepEqual(c.as, { accountId: '', mode: 'bridged' });
    assert.deepEqual(c.actors, { [`activitypub:${NOSTR_PROXY_AP}`]: { id: NOSTR_PK } });
    assert.deepEqual(c.objects, { [`activitypub:${NOTE_COPY_AP}`]: { network: 'nostr', id: NOTE, original: true, author: NOSTR_PK } });
  });

  it('a report of a post alone still names its author as the reported person', () => {
    const out = translate(flag({ actors: [], objects: [{ network: 'activitypub', id: NOTE_COPY_AP }] }), context());
    assert.equal(out.kind === 'translated' && out.report?.accountIds[0], 'acct-nina');
    assert.deepEqual(out.kind === 'translated' && out.commands[0]?.actors, { [`nostr:${NOSTR_PK}`]: { id: NOSTR_PK } });
  });

  it('a report on the home network itself is recorded but not forwarded back there', () => {
    const e: BridgeEvent = { ...flag({ actors: [{ network: 'nostr', id: FEDI_PROXY_PK }], objects: [] }), id: `nostr:${'c4'.repeat(32)}`, source: { network: 'nostr', id: 'c4'.repeat(32) }, actor: { network: 'nostr', id: 'd5'.repeat(32) }, trace: { origin: 'nostr', hops: 0 } };
    const out = translate(e, context());
    assert.equal(out.kind, 'translated');
    assert.deepEqual(out.kind === 'translated' && out.commands.map((c) => [c.target, c.actors]), [['activitypub', { [`nostr:${FEDI_PROXY_PK}`]: { id: FEDI, handle: '@fay@mastodon.example' } }]]);
    const ctx = context();
    ctx.policy.networks.activitypub = false;
    const off = translate({ ...e, id: `${e.id}-2` }, ctx);
    assert.deepEqual(off.kind === 'translated' && off.commands, [], 'a network the admin turned off gets nothing');
  });

  it('drops a report naming nothing of ours, one from a blocked domain, and our own forwarded report coming back', () => {
    assert.equal(translate(flag({ actors: [{ network: 'activitypub', id: 'https://elsewhere.example/users/x' }], objects: [] }), context()).kind, 'drop');
    const blocked = translate(flag({ actors: [{ network: 'activitypub', id: NOSTR_PROXY_AP }], objects: [] }, 'https://blocked.example/users/troll'), context());
    assert.equal(blocked.kind === 'drop' && blocked.reason, 'domain-blocked');
    const echo = flag({ actors: [{ network: 'activitypub', id: NOSTR_PROXY_AP }], objects: [] });
    echo.trace = { origin: 'activitypub', hops: 0, bridged: true };
    assert.equal((translate(echo, context()) as { reason: string }).reason, 'echo');
  });
});
