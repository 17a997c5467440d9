import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { eventFixture, type BridgeEvent } from '../../libs/events/index.js';
import { translate, type Outcome } from './translate.js';
import { addAccount, testContext } from './test-context.js';
import type { IdentityInfo, TranslationContext } from './translation-context.js';

const ALICE_AP = 'https://mastodon.example/users/alice';
const ALICE_BSKY_PROXY = 'did:plc:alicebridged';
const BOB_DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const BOB_AP_PROXY = 'https://pontis.example/ap/bob';
const BOB_POST = `at://${BOB_DID}/app.bsky.feed.post/3kbob`;

function context(): TranslationContext {
  const ctx = testContext();
  const add = (id: string, identities: Omit<IdentityInfo, 'accountId'>[]) => void addAccount(ctx, id, identities);
  add('acct-alice', [
    { network: 'activitypub', id: ALICE_AP, kind: 'native' },
    { network: 'atproto', id: ALICE_BSKY_PROXY, kind: 'bridged' },
  ]);
  add('acct-bob', [
    { network: 'atproto', id: BOB_DID, kind: 'native', handle: 'bob.bsky.social' },
    { network: 'activitypub', id: BOB_AP_PROXY, kind: 'bridged' },
  ]);
  // Bob's post, already bridged to the fediverse.
  const info = {
    objectKey: 'k-bob-post',
    owner: `atproto:${BOB_DID}`,
    copies: { atproto: { id: BOB_POST, original: true }, activitypub: { id: `${BOB_AP_PROXY}/posts/1`, original: false } },
    planned: new Set<never>(),
    deleted: false,
  };
  ctx.objects.set(`atproto:${BOB_POST}`, info);
  ctx.objects.set(`activitypub:${BOB_AP_PROXY}/posts/1`, info);
  return ctx;
}

let n = 0;
/** Alice's events, each with a fresh id. */
function byAlice(type: 'post.created' | 'reaction.added' | 'repost.created' | 'follow.created' | 'reaction.removed'): BridgeEvent {
  const e = eventFixture(type === 'reaction.removed' ? 'reaction.removed' : type);
  const id = `${ALICE_AP}/activities/${++n}`;
  return { ...e, id: `activitypub:${id}`, source: { network: 'activitypub', id }, actor: { network: 'activitypub', id: ALICE_AP }, trace: { origin: 'activitypub', hops: 0 } };
}

/** Bob blocks (or unblocks) Alice's proxy on Bluesky. */
function bobBlocks(undo = false): BridgeEvent {
  const e = eventFixture(undo ? 'block.deleted' : 'block.created');
  const id = `at://${BOB_DID}/app.bsky.graph.block/${undo ? 'u' : 'b'}${++n}`;
  return { ...e, id: `atproto:${id}`, source: { network: 'atproto', id }, actor: { network: 'atproto', id: BOB_DID }, subject: { network: 'atproto', id: ALICE_BSKY_PROXY }, trace: { origin: 'atproto', hops: 0 } };
}

const reason = (o: Outcome) => (o.kind === 'drop' ? o.reason : 'translated');

describe('blocks honored across networks (block-policy)', () => {
  let ctx: TranslationContext;
  beforeEach(() => {
    ctx = context();
  });

  it('a block records the relation (by the ids it named) and still reaches the blocker\'s proxies', () => {
    const out = translate(bobBlocks(), ctx);
    assert.equal(out.kind, 'translated');
    assert.deepEqual(out.block, { op: 'add', blocker: { network: 'atproto', id: BOB_DID }, blocked: { network: 'atproto', id: ALICE_BSKY_PROXY }, ref: out.event.source.id });
    // Bob's proxy on the fediverse blocks Alice's own account there.
    const ap = out.kind === 'translated' ? out.commands.find((c) => c.target === 'activitypub') : undefined;
    assert.deepEqual(ap?.actors[`atproto:${ALICE_BSKY_PROXY}`], { id: ALICE_AP, handle: undefined });
    assert.ok(ctx.blockers?.get('acct-alice')?.has(`activitypub:${BOB_AP_PROXY}`), 'every identity of the blocker counts');
  });

  it('drops the blocked person\'s reply, like, repost and follow aimed at the blocker, until the unblock', () => {
    translate(bobBlocks(), ctx);
    const reply = byAlice('post.created');
    reply.object = { ...reply.object!, facets: [], text: 'a reply', replyTo: { network: 'activitypub', id: `${BOB_AP_PROXY}/posts/1` } };
    const like = { ...byAlice('reaction.added'), target: { network: 'activitypub' as const, id: `${BOB_AP_PROXY}/posts/1` } };
    const repost = { ...byAlice('repost.created'), target: { network: 'activitypub' as const, id: `${BOB_AP_PROXY}/posts/1` } };
    const quote = byAlice('post.created');
    quote.object = { ...quote.object!, facets: [], text: 'look', quote: { network: 'atproto', id: BOB_POST } };
    const follow = { ...byAlice('follow.created'), subject: { network: 'activitypub' as const, id: BOB_AP_PROXY } };
    for (const e of [reply, like, repost, quote, follow]) assert.equal(reason(translate(e, ctx)), 'blocked-by-recipient', e.type);

    translate(bobBlocks(true), ctx);
    const again = { ...reply, id: `${reply.id}-again` };
    assert.equal(reason(translate(again, ctx)), 'translated');
    assert.equal(reason(translate({ ...follow, id: `${follow.id}-again` }, ctx)), 'translated');
  });

  it('the blocked person\'s own posts still bridge; a mention of the blocker stays plain text', () => {
    translate(bobBlocks(), ctx);
    const post = byAlice('post.created'); // the fixture mentions bob.bsky.social
    const out = translate(post, ctx);
    assert.equal(out.kind, 'translated');
    if (out.kind !== 'translated') return;
    assert.deepEqual(out.commands.map((c) => c.target).sort(), ['atproto', 'nostr', 'solid']);
    for (const c of out.commands) assert.equal(c.actors[`atproto:${BOB_DID}`], undefined, `no mention of bob on ${c.target}`);

    // Without the block the same mention maps to Bob's own account.
    const fresh = context();
    const unblocked = translate({ ...post, id: `${post.id}-b` }, fresh);
    assert.deepEqual(unblocked.kind === 'translated' && unblocked.commands.find((c) => c.target === 'atproto')?.actors[`atproto:${BOB_DID}`], { id: BOB_DID, handle: 'bob.bsky.social' });
  });

  it('interactions with other people are untouched, and undos pass (what was bridged before can be taken back)', () => {
    translate(bobBlocks(), ctx);
    const toOther = byAlice('post.created');
    toOther.object = { ...toOther.object!, facets: [], text: 'reply elsewhere', replyTo: { network: 'activitypub', id: 'https://mastodon.example/users/zoe/statuses/1' } };
    ctx.objects.set('activitypub:https://mastodon.example/users/zoe/statuses/1', {
      objectKey: 'k-zoe', owner: 'activitypub:https://mastodon.example/users/zoe', copies: { activitypub: { id: 'https://mastodon.example/users/zoe/statuses/1', original: true }, atproto: { id: 'at://did:plc:zoeproxy/app.bsky.feed.post/1', original: false } }, planned: new Set(), deleted: false,
    });
    assert.equal(reason(translate(toOther, ctx)), 'translated');
    const unlike = { ...byAlice('reaction.removed'), target: { network: 'activitypub' as const, id: `${BOB_AP_PROXY}/posts/1` } };
    assert.notEqual(reason(translate(unlike, ctx)), 'blocked-by-recipient');
  });

  it('a block of someone the bridge does not carry is not kept (a mute list of strangers)', () => {
    const stranger = { ...bobBlocks(), subject: { network: 'atproto' as const, id: 'did:plc:strangerstrangerstranger' } };
    assert.equal(translate(stranger, ctx).block, undefined);
    assert.equal(ctx.blockers, undefined);
  });

  it('the blocker\'s own interactions with the person they blocked are not affected', () => {
    translate(bobBlocks(), ctx);
    assert.equal(ctx.blockers?.get('acct-bob'), undefined);
  });
});
