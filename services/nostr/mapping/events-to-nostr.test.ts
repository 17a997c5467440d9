import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finalizeEvent, verifyEvent } from 'nostr-tools/pure';
import { decode, npubEncode } from 'nostr-tools/nip19';
import { eventFixture, type MappedRef, type OutboundCommand } from '../../../libs/events/index.js';
import { copyIdOf, render } from './events-to-nostr.js';
import { EDIT_PREFIX, identifierFor } from './outbound-post.js';
import type { RenderContext } from './context.js';
import type { NostrTemplate } from './nostr-protocol.js';
import { commandFor, KEYS } from './test-support.js';

const BOB_DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const nref = (id: string): MappedRef => ({ network: 'nostr', id, original: false });
const N1 = '1'.repeat(64);
const N2 = '2'.repeat(64);
const tagsNamed = (t: NostrTemplate, name: string) => t.tags.filter((x) => x[0] === name);
const only = (cmd: OutboundCommand, ctx: RenderContext = {}): NostrTemplate => {
  const r = render(cmd, ctx);
  assert.equal(r.templates.length, 1, r.skipped);
  return r.templates[0]!;
};
const apPost = (ctx: RenderContext = {}, refs: OutboundCommand['refs'] = {}) =>
  only(commandFor(eventFixture('post.created'), { refs, actors: { [`atproto:${BOB_DID}`]: { id: KEYS.bob } } }), ctx);

describe('events → nostr: post.created (kind 1)', () => {
  it('ActivityPub post: NIP-27 mention, t tag, imeta + URL, NIP-48 proxy, NIP-32 labels, link back', () => {
    const t = apPost();
    assert.equal(t.kind, 1);
    assert.equal(t.created_at, Date.parse('2026-11-20T10:00:00.000Z') / 1000);
    assert.equal(t.content, `Hello nostr:${npubEncode(KEYS.bob)}! See https://example.org #bridges 🌉\n\nhttps://mastodon.example/media/1.jpg`);
    assert.deepEqual(tagsNamed(t, 'p'), [['p', KEYS.bob]]);
    assert.deepEqual(tagsNamed(t, 't'), [['t', 'bridges']]);
    assert.deepEqual(tagsNamed(t, 'imeta'), [['imeta', 'url https://mastodon.example/media/1.jpg', 'm image/jpeg', 'alt A bridge at dusk', 'dim 1200x800']]);
    assert.deepEqual(tagsNamed(t, 'proxy'), [['proxy', 'https://mastodon.example/users/alice/statuses/109', 'activitypub']]);
    assert.deepEqual(tagsNamed(t, 'L'), [['L', 'ISO-639-1'], ['L', 'pontis']]);
    assert.deepEqual(tagsNamed(t, 'l'), [['l', 'en', 'ISO-639-1'], ['l', 'activitypub', 'pontis']]);
    assert.deepEqual(tagsNamed(t, 'r'), [['r', 'https://mastodon.example/@alice/109']]);
    assert.ok(!t.content.includes('/@alice/109'), 'link only in content when asked');
    assert.ok(apPost({ linkInContent: true }).content.endsWith('\nhttps://mastodon.example/@alice/109'));
    assert.deepEqual(tagsNamed(t, '-'), [['-']], 'NIP-70: only the bridge (authenticated) may publish it');
    const own = only(commandFor(eventFixture('post.created'), { as: { mode: 'native' } }));
    assert.deepEqual(tagsNamed(own, '-'), [], "never on a person's own key");
  });

  it('an unmapped mention stays as written, with no p tag', () => {
    const t = only(commandFor(eventFixture('post.created')));
    assert.ok(t.content.startsWith('Hello @bob.bsky.social!'));
    assert.deepEqual(tagsNamed(t, 'p'), []);
  });

  it('a shortened link label shows the full URL (plain-text content has no anchors)', () => {
    const ev = eventFixture('post.created');
    ev.object!.text = 'read example.org/lo… now';
    ev.object!.facets = [{ kind: 'link', start: 5, end: 20, url: 'https://example.org/long/path' }];
    ev.object!.attachments = [];
    assert.equal(only(commandFor(ev)).content, 'read https://example.org/long/path now');
  });

  it('NIP-10 reply: marked root and reply with relay hints and authors; a direct reply carries only root', () => {
    const ctx: RenderContext = { relayHint: () => 'wss://relay.pontis.example', authorOf: (id) => (id === N1 ? KEYS.alice : KEYS.carol) };
    const deep = apPost(ctx, { threadRoot: nref(N1), replyTo: nref(N2) });
    assert.deepEqual(tagsNamed(deep, 'e'), [['e', N1, 'wss://relay.pontis.example', 'root', KEYS.alice], ['e', N2, 'wss://relay.pontis.example', 'reply', KEYS.carol]]);
    assert.deepEqual(tagsNamed(deep, 'p').map((p) => p[1]).sort(), [KEYS.alice, KEYS.bob, KEYS.carol].sort());
    const direct = apPost({}, { threadRoot: nref(N1), replyTo: nref(N1) });
    assert.deepEqual(tagsNamed(direct, 'e'), [['e', N1, '', 'root']]);
  });

  it('NIP-18 quote: q tag and nevent in content; a quote never bridged falls back to its link', () => {
    const t = apPost({ authorOf: () => KEYS.alice }, { quote: nref(N1) });
    assert.deepEqual(tagsNamed(t, 'q'), [['q', N1, '', KEYS.alice]]);
    const ref = /nostr:(nevent1\w+)/.exec(t.content)![1]!;
    assert.deepEqual(decode(ref).data, { id: N1, relays: [], author: KEYS.alice, kind: 1 });
    const ev = eventFixture('post.created');
    ev.object!.quote = { network: 'activitypub', id: 'https://other.example/notes/1', url: 'https://other.example/@x/1' };
    const fallback = only(commandFor(ev));
    assert.ok(fallback.content.includes('\nhttps://other.example/@x/1'));
    assert.deepEqual(tagsNamed(fallback, 'q'), []);
  });

  it('NIP-36 content warning, sensitive without text, NIP-14 subject', () => {
    const ev = eventFixture('post.created');
    ev.object!.contentWarning = 'spoilers';
    ev.object!.title = 'On bridges';
    const t = only(commandFor(ev));
    assert.deepEqual(tagsNamed(t, 'content-warning'), [['content-warning', 'spoilers']]);
    assert.deepEqual(tagsNamed(t, 'subject'), [['subject', 'On bridges']]);
    delete ev.object!.contentWarning;
    ev.object!.sensitive = true;
    assert.deepEqual(tagsNamed(only(commandFor(ev)), 'content-warning'), [['content-warning']]);
  });

  it('NIP-48 protocol per source network: at:// URI for atproto, "web" for Solid', () => {
    const at = eventFixture('repost.created');
    assert.deepEqual(tagsNamed(only(commandFor(at, { refs: { target: nref(N1) } })), 'proxy'), [['proxy', at.source.id, 'atproto']]);
    const solid = eventFixture('post.created');
    solid.source = { network: 'solid', id: 'https://dana.solidcommunity.example/social/posts/1' };
    solid.actor = { network: 'solid', id: 'https://dana.solidcommunity.example/profile/card#me' };
    assert.deepEqual(tagsNamed(only(commandFor(solid)), 'proxy'), [['proxy', 'https://dana.solidcommunity.example/social/posts/1', 'web']]);
  });

  it('rendering is deterministic (same command → same template → same event id)', () => {
    assert.deepEqual(apPost(), apPost());
  });
});

describe('events → nostr: articles and edits', () => {
  const article = () => {
    const ev = eventFixture('post.created');
    ev.object!.kind = 'article';
    ev.object!.title = 'On bridges';
    return ev;
  };
  it('post.created article → kind 30023 with a stable d, title, published_at, image', () => {
    const t = only(commandFor(article()));
    assert.equal(t.kind, 30023);
    assert.deepEqual(tagsNamed(t, 'd'), [['d', identifierFor('https://mastodon.example/users/alice/statuses/109')]]);
    assert.deepEqual(tagsNamed(t, 'title'), [['title', 'On bridges']]);
    assert.deepEqual(tagsNamed(t, 'published_at'), [['published_at', String(Date.parse('2026-11-20T10:00:00.000Z') / 1000)]]);
    assert.deepEqual(tagsNamed(t, 'image'), [['image', 'https://mastodon.example/media/1.jpg']]);
  });

  it('post.updated of an article copy replaces it in place (same d)', () => {
    const ev = eventFixture('post.updated');
    ev.object!.kind = 'article';
    const coordinate = `30023:${KEYS.dave}:abc`;
    const t = only(commandFor(ev, { refs: { target: nref(coordinate) } }));
    assert.equal(t.kind, 30023);
    assert.deepEqual(tagsNamed(t, 'd'), [['d', 'abc']]);
    assert.equal(copyIdOf(commandFor(ev, { refs: { target: nref(coordinate) } }), { id: 'x', pubkey: KEYS.dave, kind: 30023, tags: t.tags }), coordinate);
  });

  it('post.updated of a note copy → a correction note replying to it (fallback, see README)', () => {
    const ev = eventFixture('post.updated');
    const t = only(commandFor(ev, { refs: { target: nref(N1) } }), { authorOf: () => KEYS.alice });
    assert.equal(t.kind, 1);
    assert.ok(t.content.startsWith(`${EDIT_PREFIX}\n\nHello again`));
    assert.deepEqual(tagsNamed(t, 'e'), [['e', N1, '', 'root', KEYS.alice]]);
    assert.deepEqual(tagsNamed(t, 'proxy'), [['proxy', ev.source.id, 'activitypub']]);
    assert.equal(render(commandFor(ev)).skipped, 'the updated post has no copy on nostr');
  });
});

describe('events → nostr: reactions, reposts, removals', () => {
  const ap = (type: 'reaction.added' | 'reaction.removed' | 'repost.deleted' | 'post.deleted', extra: object = {}) => {
    const ev = { ...eventFixture('post.deleted'), type, ...extra };
    return commandFor(ev, { refs: { target: nref(N1) } });
  };
  it('reaction.added → kind 7 (NIP-25): like, emoji, custom emoji (NIP-30), shortcode without image → like', () => {
    const like = only(ap('reaction.added', { reaction: { content: '+' } }), { authorOf: () => KEYS.alice });
    assert.equal(like.kind, 7);
    assert.equal(like.content, '+');
    assert.deepEqual(like.tags.slice(0, 3), [['e', N1, '', KEYS.alice], ['p', KEYS.alice], ['k', '1']]);
    assert.equal(only(ap('reaction.added', { reaction: { content: '🏳️‍🌈' } })).content, '🏳️‍🌈');
    const custom = only(ap('reaction.added', { reaction: { content: ':blobcat:', emojiUrl: 'https://x.example/blobcat.png' } }));
    assert.equal(custom.content, ':blobcat:');
    assert.deepEqual(tagsNamed(custom, 'emoji'), [['emoji', 'blobcat', 'https://x.example/blobcat.png']]);
    assert.equal(only(ap('reaction.added', { reaction: { content: ':blobcat:' } })).content, '+');
  });

  it('post.deleted, reaction.removed, repost.deleted → kind 5 (NIP-09) with e and k', () => {
    assert.deepEqual(only(ap('post.deleted')).tags.slice(0, 2), [['e', N1], ['k', '1']]);
    assert.deepEqual(only(ap('reaction.removed')).tags.slice(0, 2), [['e', N1], ['k', '7']]);
    assert.deepEqual(only(ap('repost.deleted')).tags.slice(0, 2), [['e', N1], ['k', '6']]);
    const article = commandFor(eventFixture('post.deleted'), { refs: { target: nref(`30023:${KEYS.dave}:abc`) } });
    assert.deepEqual(only(article).tags.slice(0, 2), [['a', `30023:${KEYS.dave}:abc`], ['k', '30023']]);
    assert.equal(copyIdOf(article, { id: N2, pubkey: KEYS.dave, kind: 5, tags: [] }), undefined);
  });

  it('repost.created → kind 6 (NIP-18), content only with the verified reposted event; article → kind 16', () => {
    const cmd = commandFor(eventFixture('repost.created'), { refs: { target: nref(N1) } });
    const t = only(cmd, { authorOf: () => KEYS.alice, relayHint: () => 'wss://r.example' });
    assert.equal(t.kind, 6);
    assert.equal(t.content, '');
    assert.deepEqual(t.tags.slice(0, 2), [['e', N1, 'wss://r.example'], ['p', KEYS.alice]]);
    assert.equal(only(cmd, { repostedEvent: JSON.stringify({ id: N1 }) }).content, JSON.stringify({ id: N1 }));
    assert.equal(only(cmd, { repostedEvent: JSON.stringify({ id: N2 }) }).content, '', 'a different event is never embedded');
    const a = only(commandFor(eventFixture('repost.created'), { refs: { target: nref(`30023:${KEYS.dave}:abc`) } }));
    assert.equal(a.kind, 16);
    assert.deepEqual(a.tags.slice(0, 3), [['a', `30023:${KEYS.dave}:abc`], ['p', KEYS.dave], ['k', '30023']]);
  });
});

describe('events → nostr: lists, profile, account', () => {
  const follow = (type: 'follow.created' | 'follow.deleted' = 'follow.created') => {
    const ev = { ...eventFixture('follow.created'), type };
    return commandFor(ev, { actors: { [`activitypub:${ev.subject!.id}`]: { id: KEYS.bob } } });
  };
  it('follow.* needs the current list (a partial kind 3 would wipe the rest)', () => {
    assert.match(render(follow()).skipped!, /ctx.currentFollows/);
  });
  it('follow.created / follow.deleted → the whole NIP-02 list, entries and content kept', () => {
    const current = { tags: [['p', KEYS.carol, 'wss://r.example', 'carol']], content: '{"wss://r.example":{}}' };
    const added = only(follow(), { currentFollows: current });
    assert.equal(added.kind, 3);
    assert.deepEqual(added.tags, [['p', KEYS.carol, 'wss://r.example', 'carol'], ['p', KEYS.bob]]);
    assert.equal(added.content, current.content);
    assert.match(render(follow(), { currentFollows: added }).skipped!, /already/);
    const removed = only(follow('follow.deleted'), { currentFollows: added });
    assert.deepEqual(removed.tags, current.tags);
    assert.equal(copyIdOf(follow(), { id: N1, pubkey: KEYS.alice, kind: 3, tags: added.tags }), `3:${KEYS.alice}:${KEYS.bob}`);
  });
  it('block.created → NIP-51 mute list (kind 10000), its encrypted content kept', () => {
    const ev = eventFixture('block.created');
    const cmd = commandFor(ev, { actors: { [`solid:${ev.subject!.id}`]: { id: KEYS.carol } } });
    const t = only(cmd, { currentMutes: { tags: [], content: 'ciphertext?iv=abc' } });
    assert.equal(t.kind, 10000);
    assert.deepEqual(t.tags, [['p', KEYS.carol]]);
    assert.equal(t.content, 'ciphertext?iv=abc');
  });
  it('profile.updated → kind 0 (NIP-24) with bot: true and our NIP-05 for a bridged identity', () => {
    const ev = eventFixture('profile.updated');
    const t = only(commandFor(ev), { nip05: 'carol_at_nostr.example@pontis.example' });
    assert.equal(t.kind, 0);
    assert.deepEqual(JSON.parse(t.content), {
      name: 'Carol', display_name: 'Carol', about: 'Nostr since 2022', picture: 'https://nostr.build/i/carol.png',
      website: 'https://carol.example', bot: true, nip05: 'carol_at_nostr.example@pontis.example',
    });
  });
  it('profile.updated on a person’s own account keeps its fields and sets no bot flag', () => {
    const t = only(commandFor(eventFixture('profile.updated'), { as: { mode: 'native' } }), { currentProfile: { lud16: 'c@getalby.com', bot: false, banner: 'https://old' } });
    const meta = JSON.parse(t.content) as Record<string, unknown>;
    assert.equal(meta.lud16, 'c@getalby.com');
    assert.equal(meta.bot, false);
    assert.equal(meta.banner, undefined, 'a field the source dropped is dropped');
  });
  it('account.deleted → kind 5 of profile and list, then NIP-62 vanish; never for a native account', () => {
    const ev = eventFixture('account.deleted');
    const pk = KEYS.mostr;
    const r = render(commandFor(ev, { as: { id: pk } }));
    assert.deepEqual(r.templates.map((t) => t.kind), [5, 62]);
    assert.deepEqual(r.templates[0]!.tags.slice(0, 4), [['a', `0:${pk}:`], ['k', '0'], ['a', `3:${pk}:`], ['k', '3']]);
    assert.deepEqual(tagsNamed(r.templates[1]!, 'relay'), [['relay', 'ALL_RELAYS']]);
    assert.deepEqual(tagsNamed(r.templates[1]!, 'proxy'), [['proxy', `at://${ev.source.id}`, 'atproto']]);
    assert.match(render(commandFor(ev, { as: { mode: 'native' } })).skipped!, /own nostr account/);
  });
});

describe('events → nostr: every template signs and verifies', () => {
  it('finalizeEvent + verifyEvent over one of each', () => {
    const sk = new Uint8Array(32).fill(7);
    const templates = [
      apPost({}, { threadRoot: nref(N1), replyTo: nref(N2), quote: nref(N1) }),
      ...render(commandFor(eventFixture('account.deleted'), { as: { id: KEYS.mostr } })).templates,
      only(commandFor(eventFixture('profile.updated'))),
      only(commandFor(eventFixture('post.updated'), { refs: { target: nref(N1) } })),
    ];
    for (const t of templates) assert.ok(verifyEvent(JSON.parse(JSON.stringify(finalizeEvent(t, sk)))), `kind ${t.kind}`);
  });
});
