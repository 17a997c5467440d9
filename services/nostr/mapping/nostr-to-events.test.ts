import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finalizeEvent, generateSecretKey, verifyEvent } from 'nostr-tools/pure';
import { validateEvent, type BridgeEvent, type Facet } from '../../../libs/events/index.js';
import { toEvents } from './nostr-to-events.js';
import { FIXTURE_NAMES, KEYS, nostrFixture } from './test-support.js';

const one = (name: string, ctx = {}): BridgeEvent => {
  const r = toEvents(nostrFixture(name), ctx);
  assert.equal(r.events.length, 1, r.ignored);
  return r.events[0]!;
};
const spans = (e: BridgeEvent) => e.object!.facets.map((f: Facet) => [f.kind, e.object!.text.slice(f.start, f.end)]);

describe('nostr → events: fixtures', () => {
  for (const name of FIXTURE_NAMES) {
    it(`${name}: signed correctly, maps to valid, deterministic events`, () => {
      assert.ok(verifyEvent(nostrFixture(name)), 'fixture signature');
      const a = toEvents(nostrFixture(name));
      for (const e of a.events) {
        validateEvent(e);
        assert.match(e.id, /^nostr:[0-9a-f]{64}(\/.+)?$/);
        assert.equal(e.trace.origin, 'nostr');
      }
      assert.deepEqual(toEvents(nostrFixture(name)), a);
    });
  }
});

describe('nostr → events: kind 1 (NIP-10, 27, 18, 92, 36, 14)', () => {
  it('Damus note: imeta becomes an attachment with alt text, its URL leaves the text, npub becomes a mention', () => {
    const e = one('damus-note-imeta');
    assert.equal(e.type, 'post.created');
    assert.deepEqual(e.source, { network: 'nostr', id: nostrFixture('damus-note-imeta').id });
    assert.equal(e.object!.text, 'GM nostr ☀️ Building a bridge between networks today, cc @npub1fn5jac9w');
    assert.deepEqual(e.object!.facets[0]!.actor, { network: 'nostr', id: KEYS.bob });
    assert.deepEqual(e.object!.attachments, [{
      url: 'https://nostr.build/i/3f1c9a7e2b.jpg', mediaType: 'image/jpeg', alt: 'A wooden footbridge over a river at sunrise',
      width: 3024, height: 4032, blurhash: 'eVF$^OI:${M{o#*0-nNFxakD-?xVM}WEWB%iNKxvR-oetmo#R-aen$',
    }]);
  });

  it('uses the mentioned profile name when the context knows it', () => {
    const e = one('damus-note-imeta', { nameOf: (pk: string) => (pk === KEYS.bob ? 'Bob 🌉' : undefined) });
    assert.ok(e.object!.text.endsWith('cc @Bob 🌉'));
    assert.deepEqual(spans(e), [['mention', '@Bob 🌉']]);
  });

  it('Amethyst reply: marked root, content warning, custom emoji left as :shortcode: text', () => {
    const e = one('amethyst-reply-marked');
    const root = nostrFixture('damus-note-imeta').id;
    // Amethyst puts the parent's author fifth in the e tag (NIP-10).
    const writtenBy = { network: 'nostr', id: KEYS.alice };
    assert.deepEqual(e.object!.replyTo, { network: 'nostr', id: root, writtenBy });
    assert.deepEqual(e.object!.threadRoot, { network: 'nostr', id: root, writtenBy });
    assert.equal(e.object!.contentWarning, 'Film spoilers');
    assert.equal(e.object!.sensitive, true);
    assert.match(e.object!.text, /:amethyst:/);
    assert.deepEqual(spans(e), [['mention', '@npub149jplhn4'], ['tag', '#Bridge']]);
  });

  it('old Damus reply: positional e tags (root first, parent last); offsets survive ZWJ, flags, skin tones and combining marks', () => {
    const e = one('damus-reply-positional');
    assert.equal(e.object!.threadRoot!.id, nostrFixture('damus-note-imeta').id);
    assert.equal(e.object!.replyTo!.id, nostrFixture('amethyst-reply-marked').id);
    assert.deepEqual(spans(e), [
      ['mention', '@npub1fn5jac9w'],
      ['link', 'https://en.wikipedia.org/wiki/Bridge_(structure)'], // balanced parenthesis kept, final '.' dropped
      ['tag', '#Brücke'],
    ]);
    const text = e.object!.text;
    assert.ok(text.includes('cafe\u0301'));
    assert.equal(e.object!.facets[0]!.start, text.indexOf('@npub1'));
  });

  it('a reply to an article names it by coordinate (marked `a` tag preferred over the version id)', () => {
    const ev = nostrFixture('mostr-bridged');
    const coordinate = `30023:${KEYS.dave}:why-bridges-matter`;
    ev.tags = [['a', coordinate, 'wss://nos.lol', 'root'], ['e', nostrFixture('habla-article').id, 'wss://nos.lol', 'root'], ['p', KEYS.dave]];
    const o = toEvents(ev).events[0]!.object!;
    assert.deepEqual([o.threadRoot!.id, o.replyTo!.id], [coordinate, coordinate]);
  });

  it("names the parent's and the quoted note's author where the tags carry it (NIP-10 e tag fifth, NIP-18 q tag fourth, an article's coordinate)", () => {
    const [parent, quoted] = ['aa'.repeat(32), 'bb'.repeat(32)];
    const ev = nostrFixture('mostr-bridged');
    ev.tags = [['e', parent, 'wss://nos.lol', 'root', KEYS.dave], ['q', quoted, '', KEYS.bob], ['p', KEYS.dave]];
    const o = toEvents(ev).events[0]!.object!;
    assert.deepEqual(o.replyTo, { network: 'nostr', id: parent, writtenBy: { network: 'nostr', id: KEYS.dave } });
    assert.deepEqual(o.quote, { network: 'nostr', id: quoted, writtenBy: { network: 'nostr', id: KEYS.bob } });
    validateEvent(toEvents(ev).events[0]!);
    const coordinate = `30023:${KEYS.dave}:why-bridges-matter`;
    ev.tags = [['a', coordinate, '', 'reply']];
    assert.deepEqual(toEvents(ev).events[0]!.object!.replyTo!.writtenBy, { network: 'nostr', id: KEYS.dave });
    // Not a pubkey, or only a p tag: nobody is named (a p tag does not say who wrote the parent).
    ev.tags = [['e', parent, '', 'reply', 'not-a-key'], ['p', KEYS.dave]];
    assert.deepEqual(toEvents(ev).events[0]!.object!.replyTo, { network: 'nostr', id: parent });
  });

  it('Primal quote: q tag → object.quote, and the nevent leaves the text', () => {
    const e = one('primal-quote');
    assert.equal(e.object!.quote!.id, nostrFixture('damus-note-imeta').id);
    assert.equal(e.object!.text, "This is how it's done 👇 #nostr #Bridges");
    assert.deepEqual(spans(e), [['tag', '#nostr'], ['tag', '#Bridges']]);
  });

  it('Coracle: nprofile mention, URL with fragment, non-Latin and combining-mark hashtags, subject → title', () => {
    const e = one('coracle-emoji-heavy', { nameOf: () => 'Carol' });
    assert.deepEqual(spans(e), [
      ['mention', '@Carol'],
      ['link', 'https://example.com/a?b=c#frag'],
      ['tag', '#日本語'],
      ['tag', '#e\u0301te\u0301'],
    ]);
    assert.equal(e.object!.facets[0]!.actor!.id, KEYS.carol);
    assert.equal(e.object!.title, 'Flags & friends');
  });

  it('a quote by nostr:note1 in content without a q tag (older clients)', () => {
    const ev = nostrFixture('primal-quote');
    ev.tags = ev.tags.filter((t) => t[0] !== 'q');
    const e = toEvents(ev).events[0]!;
    assert.equal(e.object!.quote!.id, nostrFixture('damus-note-imeta').id);
  });

  it('bare media URLs without imeta become attachments by extension', () => {
    const ev = nostrFixture('mostr-bridged');
    ev.content = 'clip https://v.nostr.build/abc.mp4';
    assert.deepEqual(toEvents(ev).events[0]!.object!.attachments, [{ url: 'https://v.nostr.build/abc.mp4', mediaType: 'video/mp4' }]);
    assert.equal(toEvents(ev).events[0]!.object!.text, 'clip');
  });

  it('permalink from context becomes object.url and source.url', () => {
    const e = one('damus-note-imeta', { permalink: (b: string) => `https://njump.me/${b}` });
    assert.match(e.object!.url!, /^https:\/\/njump\.me\/nevent1/);
    assert.equal(e.source.url, e.object!.url);
  });
});

describe('nostr → events: provenance (NIP-48, NIP-32, our keys)', () => {
  it('Mostr proxy tag marks the event bridged', () => {
    assert.deepEqual(one('mostr-bridged').trace, { origin: 'nostr', hops: 0, bridged: true, via: 'nip48:activitypub' });
  });
  it('momostr label names the bridge', () => {
    assert.deepEqual(one('momostr-bridged').trace, { origin: 'nostr', hops: 0, bridged: true, via: 'momostr' });
  });
  it('a key Pontis holds is our echo', () => {
    const e = one('damus-note-imeta', { bridgedPubkeys: new Set([KEYS.alice]) });
    assert.deepEqual(e.trace, { origin: 'nostr', hops: 0, bridged: true, via: 'pontis' });
  });
  it('our own label (a copy published with a person’s own key) is an echo too', () => {
    const ev = nostrFixture('damus-note-imeta');
    ev.tags.push(['proxy', 'at://did:plc:abc/app.bsky.feed.post/1', 'atproto'], ['L', 'pontis'], ['l', 'atproto', 'pontis']);
    assert.equal(toEvents(ev).events[0]!.trace.via, 'pontis');
  });
  it('a plain note is not bridged', () => {
    assert.deepEqual(one('damus-note-imeta').trace, { origin: 'nostr', hops: 0 });
  });
});

describe('nostr → events: other kinds', () => {
  it('kind 0 (NIP-01 + NIP-24): profile fields; NIP-05 only as verified by the I/O layer', () => {
    const e = one('amethyst-profile', { verifiedNip05: 'bob@bob.example' });
    assert.equal(e.type, 'profile.updated');
    assert.equal(e.actor.handle, 'bob@bob.example');
    assert.deepEqual(e.profile, {
      displayName: 'Bob 🌉', summary: 'Bridges, rivers, relays.\nnostr since 2022',
      avatar: { url: 'https://nostr.build/i/bob-avatar.png', mediaType: 'image/png' },
      banner: { url: 'https://nostr.build/i/bob-banner.jpg', mediaType: 'image/jpeg' },
      links: [{ label: 'website', url: 'https://bob.example' }], bot: false,
    });
    assert.equal(one('amethyst-profile').actor.handle, undefined);
  });

  it('kind 0 with malformed JSON: nothing, with a reason', () => {
    const r = toEvents(nostrFixture('damus-profile-malformed'));
    assert.deepEqual(r.events, []);
    assert.match(r.ignored!, /not JSON/);
  });

  it('kind 3, first list seen: every valid entry is a follow', () => {
    const r = toEvents(nostrFixture('damus-contacts'));
    assert.deepEqual(r.events.map((e) => [e.type, e.subject!.id]).sort(), [['follow.created', KEYS.bob], ['follow.created', KEYS.carol], ['follow.created', KEYS.dave]].sort());
    assert.equal(r.events[0]!.source.id, `3:${KEYS.alice}:${r.events[0]!.subject!.id}`);
  });

  it('kind 3 with a previous list: the diff', () => {
    const eve = 'e'.repeat(64);
    const r = toEvents(nostrFixture('damus-contacts'), { previousFollows: [KEYS.bob, eve] });
    assert.deepEqual(r.events.map((e) => [e.type, e.subject!.id]), [['follow.created', KEYS.carol], ['follow.created', KEYS.dave], ['follow.deleted', eve]]);
    assert.deepEqual(r.events[2]!.target, { network: 'nostr', id: `3:${KEYS.alice}:${eve}` });
    assert.match(toEvents(nostrFixture('damus-contacts'), { previousFollows: [KEYS.bob, KEYS.carol, KEYS.dave] }).ignored!, /unchanged/);
  });

  it('kind 10000 (NIP-51 mutes): public entries diff into blocks; private (encrypted) mutes stay private', () => {
    const mutes = JSON.parse(JSON.stringify(finalizeEvent({ kind: 10000, created_at: 1_764_000_000, tags: [['p', KEYS.bob], ['p', KEYS.carol], ['t', 'spam'], ['word', 'x']], content: 'ciphertext-of-private-mutes?iv=abc' }, generateSecretKey())));
    const first = toEvents(mutes);
    assert.deepEqual(first.events.map((e) => [e.type, e.subject!.id]), [['block.created', KEYS.bob], ['block.created', KEYS.carol]]);
    assert.equal(first.events[0]!.source.id, `10000:${mutes.pubkey}:${KEYS.bob}`);
    for (const e of first.events) validateEvent(e);
    const diff = toEvents(mutes, { previousMutes: [KEYS.bob, KEYS.dave] });
    assert.deepEqual(diff.events.map((e) => [e.type, e.subject!.id]), [['block.created', KEYS.carol], ['block.deleted', KEYS.dave]]);
    assert.deepEqual(diff.events[1]!.target, { network: 'nostr', id: `10000:${mutes.pubkey}:${KEYS.dave}` });
    assert.ok(!JSON.stringify(diff.events).includes('ciphertext'), 'the encrypted content is never read');
  });

  it('kind 5 (NIP-09): removal by target kind; a target known to be someone else’s is dropped', () => {
    const del = one('amethyst-deletion');
    assert.equal(del.type, 'post.deleted');
    assert.equal(del.target!.id, nostrFixture('amethyst-reply-marked').id);
    assert.equal(one('damus-repost-deletion').type, 'repost.deleted');
    const foreign = toEvents(nostrFixture('amethyst-deletion'), { lookupEvent: () => ({ pubkey: KEYS.carol, kind: 1 }) });
    assert.deepEqual(foreign.events, []);
    assert.match(foreign.ignored!, /not the author's/);
    const reaction = toEvents(nostrFixture('amethyst-deletion'), { lookupEvent: () => ({ pubkey: KEYS.bob, kind: 7 }) });
    assert.equal(reaction.events[0]!.type, 'reaction.removed');
  });

  it('kind 5 with `a` tags: own article deleted, someone else’s coordinate ignored', () => {
    const ev = nostrFixture('amethyst-deletion');
    ev.tags = [['a', `30023:${KEYS.bob}:draft`], ['a', `30023:${KEYS.dave}:why-bridges-matter`]];
    const r = toEvents(ev);
    assert.deepEqual(r.events.map((e) => [e.type, e.target!.id]), [['post.deleted', `30023:${KEYS.bob}:draft`]]);
    assert.match(r.ignored!, /not the author's/);
  });

  it('kinds 6 and 16 (NIP-18): repost of a note, generic repost of an article by coordinate', () => {
    assert.equal(one('damus-repost').target!.id, nostrFixture('damus-note-imeta').id);
    assert.equal(one('amethyst-generic-repost').target!.id, `30023:${KEYS.dave}:why-bridges-matter`);
    const other = nostrFixture('amethyst-generic-repost');
    other.tags = [['e', 'a'.repeat(64)], ['k', '20']];
    assert.match(toEvents(other).ignored!, /kind 20 is not bridged/);
  });

  it('kind 7 (NIP-25, NIP-30): like, custom emoji with its URL, dislike ignored', () => {
    assert.deepEqual(one('primal-like').reaction, { content: '+' });
    assert.deepEqual(one('amethyst-reaction-custom-emoji').reaction, { content: ':soapbox:', emojiUrl: 'https://cdn.example/emoji/soapbox.png' });
    const ev = nostrFixture('primal-like');
    ev.content = '';
    assert.deepEqual(toEvents(ev).events[0]!.reaction, { content: '+' });
    ev.content = '👨‍👩‍👧‍👦';
    assert.deepEqual(toEvents(ev).events[0]!.reaction, { content: '👨‍👩‍👧‍👦' });
    assert.match(toEvents(nostrFixture('damus-dislike')).ignored!, /dislike/);
  });

  it('kind 30023 (NIP-23): article with coordinate as source; a known coordinate is an edit', () => {
    const coordinate = `30023:${KEYS.dave}:why-bridges-matter`;
    const created = one('habla-article');
    assert.equal(created.type, 'post.created');
    assert.equal(created.source.id, coordinate);
    assert.equal(created.object!.kind, 'article');
    assert.equal(created.object!.title, 'Why bridges matter');
    assert.equal(created.object!.publishedAt, '2025-12-31T10:00:00.000Z');
    assert.equal(created.object!.updatedAt, '2026-01-01T10:10:00.000Z');
    assert.deepEqual(created.object!.attachments, [{ url: 'https://example.org/cover.jpg', mediaType: 'image/jpeg' }]);
    assert.ok(created.object!.text.includes('![a bridge](https://example.org/bridge.png)'), 'Markdown is left whole');
    const updated = one('habla-article', { knownCoordinate: (c: string) => c === coordinate });
    assert.equal(updated.type, 'post.updated');
    assert.deepEqual(updated.target, { network: 'nostr', id: coordinate });
    assert.equal(updated.source.id, nostrFixture('habla-article').id);
    assert.equal(updated.id, created.id);
  });
});
