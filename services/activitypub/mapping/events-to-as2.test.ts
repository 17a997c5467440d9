import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFixture, type BridgeEvent, type MappedRef } from '../../../libs/events/index.js';
import { AS_PUBLIC, type AsObject } from './as2.js';
import { toEvents } from './as2-to-events.js';
import { render } from './events-to-as2.js';
import { BASE, commandFor, ME } from './test-support.js';

const apRef = (id: string, original = true): MappedRef => ({ network: 'activitypub', id, original });
const ctx = { baseUrl: BASE };
const BOB_DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';

function nostrPost(): BridgeEvent {
  const e = eventFixture('post.created');
  e.id = 'nostr:' + 'a'.repeat(64);
  e.source = { network: 'nostr', id: 'a'.repeat(64), url: 'https://njump.me/note1xyz' };
  e.actor = { network: 'nostr', id: 'b'.repeat(64) };
  e.trace = { origin: 'nostr', hops: 0 };
  e.object!.url = 'https://njump.me/note1xyz';
  return e;
}

describe('events → ActivityPub: Create(Note)', () => {
  it('mention with a fediverse identity, link, hashtag, attachment with alt, provenance, addressing', () => {
    const cmd = commandFor(nostrPost(), { actors: { [`atproto:${BOB_DID}`]: { id: 'https://mastodon.example/users/bob', handle: 'bob@mastodon.example' } } });
    const r = render(cmd, ctx);
    const a = r.activity!;
    assert.equal(a.type, 'Create');
    assert.equal(a.actor, ME);
    const o = a.object as AsObject;
    assert.equal(o.id, `${BASE}/ap/objects/00000000-0000-5000-8000-000000000001`);
    assert.equal(r.copyId, o.id);
    assert.equal(o.type, 'Note');
    assert.equal(o.attributedTo, ME);
    assert.equal(
      o.content,
      '<p>Hello <span class="h-card"><a href="https://mastodon.example/users/bob" class="u-url mention">@<span>bob</span></a></span>! See <a href="https://example.org" rel="nofollow noopener noreferrer">https://example.org</a> <a href="https://pontis.example/ap/tags/bridges" class="mention hashtag" rel="tag">#<span>bridges</span></a> 🌉</p>',
    );
    assert.deepEqual(o.tag, [
      { type: 'Mention', href: 'https://mastodon.example/users/bob', name: '@bob@mastodon.example' },
      { type: 'Hashtag', href: 'https://pontis.example/ap/tags/bridges', name: '#bridges' },
    ]);
    assert.deepEqual(o.attachment, [{ type: 'Image', mediaType: 'image/jpeg', url: 'https://mastodon.example/media/1.jpg', name: 'A bridge at dusk', width: 1200, height: 800 }]);
    assert.deepEqual(o.to, [AS_PUBLIC]);
    assert.deepEqual(o.cc, [`${ME}/followers`, 'https://mastodon.example/users/bob']);
    assert.deepEqual(r.delivery, { followers: true, actors: ['https://mastodon.example/users/bob'] });
    const canonical = (o.url as AsObject[])[1]!;
    assert.deepEqual((o.url as AsObject[])[0], { type: 'Link', mediaType: 'text/html', href: 'https://njump.me/note1xyz' });
    assert.equal(canonical.rel, 'canonical');
    assert.match((o.url as AsObject[])[1]!.href as string, /^nostr:note1/);
    assert.deepEqual(o.proxyOf, [{ protocol: 'https://nostr.com/', proxied: (o.url as AsObject[])[1]!.href, authoritative: true }]);
    assert.equal(o.sensitive, false);
    assert.deepEqual(o.contentMap, { en: o.content });
  });

  it('an unmapped mention stays text, with no Mention tag', () => {
    const o = render(commandFor(nostrPost()), ctx).activity!.object as AsObject;
    assert.ok((o.content as string).startsWith('<p>Hello @bob.bsky.social!'));
    assert.deepEqual((o.tag as AsObject[]).map((t) => t.type), ['Hashtag']);
  });

  it('content warning → summary + sensitive; reply → inReplyTo and the parent author addressed', () => {
    const e = nostrPost();
    e.object!.contentWarning = 'spoilers';
    const r = render(commandFor(e, { refs: { replyTo: apRef('https://social.example/users/carol/statuses/42') } }), { ...ctx, authorOf: () => 'https://social.example/users/carol' });
    const o = r.activity!.object as AsObject;
    assert.equal(o.summary, 'spoilers');
    assert.equal(o.sensitive, true);
    assert.equal(o.inReplyTo, 'https://social.example/users/carol/statuses/42');
    assert.ok((o.cc as string[]).includes('https://social.example/users/carol'));
    assert.ok(r.delivery!.actors.includes('https://social.example/users/carol'));
  });

  it('a reply carries its thread root as `context`: from the command, else from the stored parent, else none', () => {
    const parent = 'https://social.example/users/carol/statuses/42';
    const root = 'https://social.example/users/carol/statuses/1';
    const object = (refs: Parameters<typeof commandFor>[1], c: Parameters<typeof render>[1] = ctx) => render(commandFor(nostrPost(), refs), c).activity!.object as AsObject;
    assert.equal(object({ refs: { replyTo: apRef(parent), threadRoot: apRef(root) } }).context, root);
    assert.equal(object({ refs: { replyTo: apRef(parent) } }, { ...ctx, threadRootOf: (id) => (id === parent ? root : undefined) }).context, root);
    assert.equal(object({ refs: { replyTo: apRef(parent) } }).context, undefined);
    assert.equal(object({}).context, undefined, 'a post that replies to nothing has no thread context');
  });

  it('quote: FEP-044f quote + quoteUri + _misskey_quote + quoteUrl + hidden RE: paragraph', () => {
    const q = 'https://mastodon.example/users/alice/statuses/7';
    const o = render(commandFor(nostrPost(), { refs: { quote: apRef(q) } }), ctx).activity!.object as AsObject;
    assert.equal(o.quote, q);
    assert.equal(o.quoteUri, q);
    assert.equal(o._misskey_quote, q);
    assert.equal(o.quoteUrl, q);
    assert.ok((o.content as string).endsWith(`<p class="quote-inline"><br>RE: <a href="${q}">${q}</a></p>`));
  });

  it('text is escaped: markup in a post from another network stays text', () => {
    const e = nostrPost();
    e.object!.text = '<script>alert(1)</script> & "q"';
    e.object!.facets = [];
    const o = render(commandFor(e), ctx).activity!.object as AsObject;
    assert.equal(o.content, '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;</p>');
  });

  it('rendering is deterministic (a replayed command is the same activity id)', () => {
    const cmd = commandFor(nostrPost());
    assert.deepEqual(render(cmd, ctx), render(cmd, ctx));
  });

  it('round trip: what we render reads back as the same post (text, facets, attachments, CW)', () => {
    const e = nostrPost();
    e.object!.contentWarning = 'cw';
    const cmd = commandFor(e, { actors: { [`atproto:${BOB_DID}`]: { id: 'https://mastodon.example/users/bob', handle: 'bob@mastodon.example' } } });
    const a = render(cmd, ctx).activity!;
    const back = toEvents(a, {}).events[0]!;
    assert.equal(back.object!.text, 'Hello @bob! See https://example.org #bridges 🌉');
    assert.deepEqual(back.object!.facets.map((f) => f.kind), ['mention', 'link', 'tag']);
    assert.equal(back.object!.contentWarning, 'cw');
    assert.equal(back.object!.attachments[0]!.alt, 'A bridge at dusk');
    assert.equal(back.trace.bridged, true, 'our own FEP-fffd provenance marks it bridged');
  });
});

describe('events → ActivityPub: other activities', () => {
  const target = apRef('https://social.example/users/carol/statuses/42');
  const ev = (type: BridgeEvent['type'], extra: Partial<BridgeEvent> = {}): BridgeEvent => ({ ...eventFixture('reaction.added'), type, ...extra }) as BridgeEvent;

  it('Update(Note) keeps the copy id and sets updated; Delete sends a Tombstone', () => {
    const e = { ...nostrPost(), type: 'post.updated' as const };
    const u = render(commandFor(e, { refs: { target: apRef(`${BASE}/ap/objects/x`, false) } }), ctx);
    assert.equal(u.activity!.type, 'Update');
    assert.equal((u.activity!.object as AsObject).id, `${BASE}/ap/objects/x`);
    assert.ok((u.activity!.object as AsObject).updated);
    const d = render(commandFor(ev('post.deleted'), { refs: { target: apRef(`${BASE}/ap/objects/x`, false) } }), ctx);
    assert.deepEqual(d.activity!.object, { id: `${BASE}/ap/objects/x`, type: 'Tombstone' });
    assert.equal(d.copyId, undefined);
  });

  it('Like (with the emoji the Misskey way), Announce addressed to the author', () => {
    const authorOf = () => 'https://social.example/users/carol';
    const like = render(commandFor(ev('reaction.added'), { refs: { target } }), { ...ctx, authorOf });
    assert.equal(like.activity!.type, 'Like');
    assert.equal(like.activity!.object, target.id);
    assert.equal(like.copyId, like.activity!.id);
    const emoji = ev('reaction.added', { reaction: { content: '🔥' } });
    assert.equal(render(commandFor(emoji, { refs: { target } }), ctx).activity!._misskey_reaction, '🔥');
    const boost = render(commandFor(ev('repost.created'), { refs: { target } }), { ...ctx, authorOf });
    assert.equal(boost.activity!.type, 'Announce');
    assert.deepEqual(boost.activity!.cc, [`${ME}/followers`, 'https://social.example/users/carol']);
  });

  it('Undo embeds the activity we sent; an unknown one is skipped with a reason', () => {
    const sentLike = { id: `${BASE}/ap/activities/l1`, type: 'Like', actor: ME, object: target.id, to: ['https://social.example/users/carol'], cc: [] };
    const u = render(commandFor(ev('reaction.removed'), { refs: { target: apRef(sentLike.id, false) } }), { ...ctx, sentActivity: (id) => (id === sentLike.id ? sentLike : undefined) });
    assert.equal(u.activity!.type, 'Undo');
    assert.deepEqual(u.activity!.object, sentLike);
    assert.deepEqual(u.delivery, { followers: false, actors: ['https://social.example/users/carol'] });
    assert.match(render(commandFor(ev('reaction.removed'), { refs: { target: apRef('https://x.example/1', false) } }), ctx).skipped!, /not one we sent/);
  });

  it('Follow and Block go to the mapped actor; unmapped subject is skipped', () => {
    const subject = { network: 'nostr' as const, id: 'c'.repeat(64) };
    const f = render(commandFor(ev('follow.created', { subject }), { actors: { [`nostr:${'c'.repeat(64)}`]: { id: 'https://pontis.example/ap/users/carol' } } }), ctx);
    assert.equal(f.activity!.type, 'Follow');
    assert.equal(f.activity!.object, 'https://pontis.example/ap/users/carol');
    assert.match(render(commandFor(ev('block.created', { subject })), ctx).skipped!, /no ActivityPub identity/);
  });

  it('profile.updated sends the actor document; account.deleted deletes the actor', () => {
    const person = { '@context': 'x', id: ME, type: 'Person', name: 'Bob' };
    const p = render(commandFor(ev('profile.updated')), { ...ctx, actorDocument: person });
    assert.equal(p.activity!.type, 'Update');
    assert.deepEqual(p.activity!.object, { id: ME, type: 'Person', name: 'Bob' });
    const d = render(commandFor(ev('account.deleted')), ctx);
    assert.equal(d.activity!.object, ME);
  });

  it('no actor to publish as → skipped', () => {
    assert.match(render(commandFor(nostrPost(), { as: { id: undefined } }), ctx).skipped!, /provision/);
  });
});
