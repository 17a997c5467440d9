import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toEvents } from './as2-to-events.js';
import { rootFromParent } from './thread-root.js';
import { apFixture } from './test-support.js';

const ctx = { ownOrigins: ['https://pontis.example'], handleOf: (id: string) => (id === 'https://mastodon.example/users/alice' ? '@alice@mastodon.example' : undefined) };
const one = (name: string) => {
  const r = toEvents(apFixture(name), ctx);
  assert.equal(r.events.length, 1, r.ignored);
  return r.events[0]!;
};

describe('ActivityPub → events: posts', () => {
  it('Mastodon Create(Note): sanitized HTML, text with full URL, mention/link/tag facets, language, media with alt', () => {
    const e = one('mastodon-create-note');
    assert.equal(e.type, 'post.created');
    assert.equal(e.id, 'activitypub:https://mastodon.example/users/alice/statuses/113456789012345678');
    assert.equal(e.source.id, 'https://mastodon.example/users/alice/statuses/113456789012345678');
    assert.equal(e.source.url, 'https://mastodon.example/@alice/113456789012345678');
    assert.deepEqual(e.actor, { network: 'activitypub', id: 'https://mastodon.example/users/alice', handle: '@alice@mastodon.example' });
    const o = e.object!;
    assert.equal(o.text, 'Hello @bob.bsky.social! See https://example.org/a/long/path #bridges 🌉\n\nSecond & last paragraph');
    assert.equal(o.language, 'en');
    assert.equal(o.visibility, 'public');
    assert.equal(o.publishedAt, '2026-11-20T10:00:00.000Z');
    const byKind = Object.fromEntries(o.facets.map((f) => [f.kind, f]));
    assert.equal(o.text.slice(byKind.mention!.start, byKind.mention!.end), '@bob.bsky.social');
    assert.deepEqual(byKind.mention!.actor, { network: 'activitypub', id: 'https://bsky.brid.gy/ap/did:plc:ewvi7nxzyoun6zhxrhs64oiz', handle: '@bob.bsky.social@bsky.brid.gy' });
    assert.equal(o.text.slice(byKind.link!.start, byKind.link!.end), 'https://example.org/a/long/path');
    assert.equal(byKind.link!.url, 'https://example.org/a/long/path');
    assert.equal(byKind.tag!.tag, 'bridges');
    assert.equal(o.text.slice(byKind.tag!.start, byKind.tag!.end), '#bridges');
    assert.deepEqual(o.attachments, [{ url: 'https://files.mastodon.example/media_attachments/files/113/456/original/abc.jpg', mediaType: 'image/jpeg', alt: 'A bridge at dusk', width: 1200, height: 800, blurhash: 'UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH' }]);
    assert.ok(!o.html!.includes('translate='), 'attributes outside the allowlist are dropped');
    assert.ok(o.html!.includes('rel="nofollow noopener noreferrer"'));
    assert.equal(e.trace.bridged, undefined, 'a native Mastodon post is not bridged content');
  });

  it('Mastodon reply with a content warning: CW, sensitive, reply parent, unlisted', () => {
    const o = one('mastodon-reply-cw').object!;
    assert.equal(o.contentWarning, 'spoilers for the finale');
    assert.equal(o.sensitive, true);
    assert.deepEqual(o.replyTo, { network: 'activitypub', id: 'https://social.example/users/carol/statuses/42' });
    assert.equal(o.visibility, 'unlisted');
    assert.equal(o.text, '@carol the butler did it');
    assert.equal(o.facets[0]!.actor!.id, 'https://social.example/@carol');
  });

  it("an embedded parent names its author, only when the author lives on the parent's server", () => {
    const parentId = 'https://social.example/users/carol/statuses/42';
    const reply = (attributedTo: string) => {
      const a = apFixture('mastodon-reply-cw') as { object: Record<string, unknown> };
      a.object.inReplyTo = { id: parentId, type: 'Note', attributedTo };
      const r = toEvents(a, ctx);
      assert.equal(r.events.length, 1, r.ignored);
      return r.events[0]!.object!.replyTo;
    };
    assert.deepEqual(reply('https://social.example/users/carol'), { network: 'activitypub', id: parentId, writtenBy: { network: 'activitypub', id: 'https://social.example/users/carol' } });
    assert.deepEqual(reply('https://elsewhere.example/users/mallory'), { network: 'activitypub', id: parentId });
  });

  it('a reply to one of our copies takes its thread root from the stored copy (Mastodon sends only inReplyTo)', () => {
    const parent = 'https://social.example/users/carol/statuses/42';
    const root = 'https://pontis.example/ap/objects/root';
    const withRoot = toEvents(apFixture('mastodon-reply-cw'), { ...ctx, threadRootOf: (id) => (id === parent ? root : undefined) }).events[0]!.object!;
    assert.deepEqual(withRoot.threadRoot, { network: 'activitypub', id: root });
    assert.equal(one('mastodon-reply-cw').object!.threadRoot, undefined, 'no root known: none invented');
    // From the stored parent: its `context`; itself when it replies to nothing; unknown otherwise.
    assert.equal(rootFromParent(parent, { id: parent, context: [root], inReplyTo: ['https://pontis.example/ap/objects/mid'] }), root);
    assert.equal(rootFromParent(parent, { id: parent, content: ['top'] }), parent);
    assert.equal(rootFromParent(parent, { id: parent, inReplyTo: 'https://pontis.example/ap/objects/mid' }), undefined);
    assert.equal(rootFromParent(parent, null), undefined);
  });

  it('Mastodon FEP-044f quote: quote ref, the "RE:" fallback paragraph leaves the text', () => {
    const o = one('mastodon-quote').object!;
    assert.deepEqual(o.quote, { network: 'activitypub', id: 'https://misskey.example/notes/9xyzabc123' });
    assert.equal(o.text, 'This is so true');
  });

  it('Misskey note: _misskey_quote, hashtag with rel=tag, webp attachment with name as alt', () => {
    const o = one('misskey-note-quote').object!;
    assert.equal(o.quote!.id, 'https://misskey.example/notes/9xyzabc123');
    assert.equal(o.text, 'quoting myself, see #misskey :blobcat:');
    assert.equal(o.facets.find((f) => f.kind === 'tag')!.tag, 'misskey');
    assert.deepEqual(o.attachments[0], { url: 'https://misskey.example/files/webpublic-1234.webp', mediaType: 'image/webp', alt: 'a cat loafing' });
  });

  it('Akkoma Question: kind question, options as text lines and as options', () => {
    const o = one('akkoma-question').object!;
    assert.equal(o.kind, 'question');
    assert.deepEqual(o.options, ['Tea', 'Coffee']);
    assert.equal(o.text, 'Tea or coffee?\n\n○ Tea\n○ Coffee');
    assert.equal(o.contentWarning, undefined, 'an empty summary is no content warning');
    assert.equal(o.sensitive, false);
  });

  it('GoToSocial: single-valued to/tag/attachment, Image type, hashtag', () => {
    const o = one('gotosocial-create-note').object!;
    assert.equal(o.visibility, 'public');
    assert.equal(o.text, 'gts handles html differently #fediverse');
    assert.equal(o.facets[0]!.kind, 'tag');
    assert.equal(o.attachments[0]!.alt, 'screenshot of a terminal');
    assert.equal(o.attachments[0]!.mediaType, 'image/png');
  });

  it('Update(Note) → post.updated targeting the note, with the new text', () => {
    const e = one('mastodon-update-note');
    assert.equal(e.type, 'post.updated');
    assert.equal(e.target!.id, 'https://mastodon.example/users/alice/statuses/113456789012345678');
    assert.equal(e.object!.text, 'Hello again (edited)');
    assert.equal(e.object!.updatedAt, '2026-11-20T10:20:00.000Z');
  });

  it('Delete(Tombstone) → post.deleted; Delete(actor) → account.deleted', () => {
    const d = one('mastodon-delete-note');
    assert.equal(d.type, 'post.deleted');
    assert.equal(d.target!.id, 'https://mastodon.example/users/alice/statuses/113456789012345678');
    assert.equal(one('mastodon-delete-actor').type, 'account.deleted');
  });
});

describe('ActivityPub → events: social', () => {
  it('Announce → repost.created; Like → reaction.added +', () => {
    const r = one('mastodon-announce');
    assert.equal(r.type, 'repost.created');
    assert.equal(r.source.id, 'https://mastodon.example/users/alice/statuses/113456789055555555/activity');
    assert.equal(r.target!.id, 'https://social.example/users/carol/statuses/42');
    const l = one('mastodon-like');
    assert.equal(l.type, 'reaction.added');
    assert.deepEqual(l.reaction, { content: '+' });
  });

  it('Misskey custom emoji reaction and Pleroma EmojiReact keep their emoji', () => {
    assert.deepEqual(one('misskey-like-reaction').reaction, { content: ':blobcat:', emojiUrl: 'https://misskey.example/files/blobcat.png' });
    const p = one('pleroma-emojireact');
    assert.equal(p.type, 'reaction.added');
    assert.deepEqual(p.reaction, { content: '🔥' });
  });

  it('Follow, Undo(Follow), Block, Undo(Like)', () => {
    const f = one('mastodon-follow');
    assert.equal(f.type, 'follow.created');
    assert.equal(f.subject!.id, 'https://pontis.example/ap/users/bob.bsky.social');
    const uf = one('mastodon-undo-follow');
    assert.equal(uf.type, 'follow.deleted');
    assert.equal(uf.target!.id, 'https://mastodon.example/5d6a4b1c-0f3e-4c1a-9e7b-2a1d3c4b5e6f');
    assert.equal(uf.subject!.id, 'https://pontis.example/ap/users/bob.bsky.social');
    assert.equal(one('mastodon-block').type, 'block.created');
    const ul = one('mastodon-undo-like');
    assert.equal(ul.type, 'reaction.removed');
    assert.equal(ul.target!.id, 'https://mastodon.example/users/alice#likes/4242');
  });

  it('Update(Person) → profile.updated: name, summary as text, avatar, banner, link fields only, no bot', () => {
    const p = one('mastodon-update-person');
    assert.equal(p.type, 'profile.updated');
    assert.deepEqual(p.profile, {
      displayName: 'Alice 🌉',
      summary: 'Bridges, rivers & #maps',
      avatar: { url: 'https://files.mastodon.example/accounts/avatars/1/original/a.png', mediaType: 'image/png' },
      banner: { url: 'https://files.mastodon.example/accounts/headers/1/original/h.jpg', mediaType: 'image/jpeg' },
      links: [{ label: 'Website', url: 'https://alice.example/' }],
    });
    assert.equal(p.source.url, 'https://mastodon.example/@alice', 'the origin of a profile is the person’s page, not the Update');
  });

  it('Flag is a report for the moderators: our reported actors apart from the reported objects', () => {
    const flag = toEvents(apFixture('mastodon-flag'), ctx);
    assert.equal(flag.control, undefined);
    assert.equal(flag.events.length, 1);
    const e = flag.events[0]!;
    assert.equal(e.type, 'report.created');
    assert.equal(e.id, 'activitypub:https://mastodon.example/0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011');
    assert.deepEqual(e.actor, { network: 'activitypub', id: 'https://mastodon.example/actor' });
    assert.deepEqual(e.report, {
      reason: 'spam bot',
      actors: [{ network: 'activitypub', id: 'https://pontis.example/ap/users/spammer.bsky.social' }],
      objects: [{ network: 'activitypub', id: 'https://pontis.example/ap/objects/0000-spam' }],
    });
    assert.match(String(toEvents({ ...apFixture('mastodon-flag'), object: [] }, ctx).ignored), /Flag without an object/);
  });

  it('Move, Accept are account state for the I/O layer, not events', () => {
    const move = toEvents(apFixture('mastodon-move'), ctx);
    assert.deepEqual(move.control, { kind: 'move', actor: 'https://mastodon.example/users/alice', object: ['https://new.example/users/alice'] });
    const accept = toEvents({ id: 'https://x.example/a/1', type: 'Accept', actor: 'https://x.example/u', object: { id: 'https://pontis.example/ap/activities/f1', type: 'Follow' } }, ctx);
    assert.deepEqual(accept.control, { kind: 'accept', actor: 'https://x.example/u', object: ['https://pontis.example/ap/activities/f1'] });
  });
});

describe('ActivityPub → events: provenance and hostile input', () => {
  it('Bridgy Fed (FEP-fffd canonical url) and Mostr (proxyOf) posts are marked bridged', () => {
    const b = one('bridgy-fed-note');
    assert.deepEqual(b.trace, { origin: 'activitypub', hops: 0, bridged: true, via: 'bridgy-fed' });
    assert.equal(b.object!.url, 'https://bsky.app/profile/bob.bsky.social/post/3kxyz', 'the canonical link is not the page');
    const m = one('mostr-note');
    assert.equal(m.trace.bridged, true);
    assert.equal(m.trace.via, 'fep-fffd');
  });

  it('our own objects coming back are echoes', () => {
    const note = apFixture('mastodon-like');
    note.actor = 'https://pontis.example/ap/users/bob.bsky.social';
    note.id = 'https://pontis.example/ap/activities/1';
    assert.equal(toEvents(note, ctx).events[0]!.trace.via, 'pontis');
  });

  it('script, event handlers, javascript: links, svg, style, iframe are removed', () => {
    const o = one('hostile-script').object!;
    for (const bad of ['script', 'onclick', 'javascript:', 'onerror', 'svg', 'style', 'iframe', 'onmouseover', 'alert', '<img']) assert.ok(!o.html!.includes(bad), `${bad} left in ${o.html}`);
    assert.equal(o.text, 'hi click ok');
    assert.deepEqual(o.facets.map((f) => f.url), ['https://ok.example/']);
  });

  it('a Create whose object is attributed to someone else, or not embedded, is ignored with a reason', () => {
    const a = apFixture('mastodon-create-note');
    (a.object as Record<string, unknown>).attributedTo = 'https://other.example/users/eve';
    assert.match(toEvents(a, ctx).ignored!, /attributed to someone other/);
    const b = apFixture('mastodon-create-note');
    b.object = 'https://mastodon.example/users/alice/statuses/1';
    assert.match(toEvents(b, ctx).ignored!, /not embedded/);
  });

  it('never throws on junk', () => {
    for (const junk of [null, 42, 'x', [], {}, { type: 'Create' }, { id: 'javascript:x', actor: 'https://a.example/u', type: 'Like' }, { id: 'https://a.example/1', actor: 'https://a.example/u', type: ['Create'], object: { type: 'Note', id: 'https://a.example/n', content: 7 } }, { id: 'https://a.example/1', actor: 'https://a.example/u', type: 'Undo', object: 'https://a.example/x' }]) {
      const r = toEvents(junk, ctx);
      assert.equal(r.events.length, 0, JSON.stringify(junk));
      assert.ok(r.ignored);
    }
  });

  it('oversized content is refused, not truncated mid-tag', () => {
    const a = apFixture('mastodon-create-note');
    const o = a.object as Record<string, unknown>;
    o.content = `<p>${'a'.repeat(300_000)}</p>`;
    delete o.contentMap;
    assert.match(toEvents(a, ctx).ignored!, /content longer than/);
  });
});
