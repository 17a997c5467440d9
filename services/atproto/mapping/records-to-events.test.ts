import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateEvent } from '../../../libs/events/index.js';
import type { InboundContext, RepoOp } from './context.js';
import { ALICE, BLOB, BOB, CID_A, CID_B, externalCard, follow, like, postWithFacets, profile, quoteWithMedia, replyWithImages } from './fixtures/bsky-app-records.js';
import { toEvents } from './records-to-events.js';

const ctx: InboundContext = {
  handle: 'alice.test',
  blobUrl: (did, cid) => `https://pds.example/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`,
  permalink: (did, rkey) => `https://bsky.app/profile/${did}/post/${rkey}`,
};
const op = (collection: string, record: unknown, extra: Partial<RepoOp> = {}): RepoOp => ({
  action: 'create', did: ALICE, collection, rkey: '3l3qo2vuowo2b', cid: CID_A, record, time: '2024-11-20T10:00:01.000Z', ...extra,
});
const one = (o: RepoOp, c: InboundContext = ctx) => {
  const r = toEvents(o, c);
  assert.equal(r.events.length, 1, r.ignored);
  validateEvent(r.events[0]);
  return r.events[0]!;
};

describe('records → events', () => {
  it('a post: text, facets in UTF-16 offsets, language, permalink', () => {
    const e = one(op('app.bsky.feed.post', postWithFacets));
    assert.equal(e.type, 'post.created');
    assert.equal(e.id, `atproto:at://${ALICE}/app.bsky.feed.post/3l3qo2vuowo2b`);
    assert.deepEqual(e.source, { network: 'atproto', id: `at://${ALICE}/app.bsky.feed.post/3l3qo2vuowo2b`, cid: CID_A });
    const t = e.object!.text;
    assert.deepEqual(
      e.object!.facets.map((f) => [f.kind, t.slice(f.start, f.end)]),
      [['mention', '@atproto.com'], ['link', 'https://en.wikipedia.org/wiki/CBOR'], ['tag', '#bridge']],
    );
    assert.deepEqual(e.object!.facets[0]!.actor, { network: 'atproto', id: BOB });
    assert.equal(e.object!.language, 'en');
    assert.equal(e.object!.publishedAt, '2023-08-07T05:49:39.417Z');
    assert.equal(e.actor.handle, 'alice.test');
  });

  it('a reply with an image and a self-label: strong refs, alt text, sensitive', () => {
    const e = one(op('app.bsky.feed.post', replyWithImages));
    assert.deepEqual(e.object!.replyTo, { network: 'atproto', id: `at://${BOB}/app.bsky.feed.post/3l3qo3ltdxc2c`, cid: CID_B });
    assert.deepEqual(e.object!.threadRoot, { network: 'atproto', id: `at://${BOB}/app.bsky.feed.post/3l3qo2vuowo2b`, cid: CID_A });
    assert.deepEqual(e.object!.attachments, [
      { url: `https://pds.example/xrpc/com.atproto.sync.getBlob?did=${ALICE}&cid=${BLOB}`, mediaType: 'image/jpeg', sizeBytes: 183000, alt: 'a cat on a keyboard', width: 1200, height: 900 },
    ]);
    assert.equal(e.object!.sensitive, true);
    assert.equal(e.object!.contentWarning, 'graphic-media');
  });

  it('a quote with a video (recordWithMedia)', () => {
    const e = one(op('app.bsky.feed.post', quoteWithMedia));
    assert.deepEqual(e.object!.quote, { network: 'atproto', id: `at://${BOB}/app.bsky.feed.post/3l3qo2vuowo2b`, cid: CID_A });
    assert.equal(e.object!.attachments[0]!.mediaType, 'video/mp4');
    assert.equal(e.object!.attachments[0]!.alt, 'clip');
  });

  it('a link card joins the text as a link', () => {
    const e = one(op('app.bsky.feed.post', externalCard));
    assert.equal(e.object!.text, 'worth reading\n\nhttps://example.org/article');
    const f = e.object!.facets[0]!;
    assert.equal(e.object!.text.slice(f.start, f.end), 'https://example.org/article');
  });

  it('like, follow, profile', () => {
    const l = one(op('app.bsky.feed.like', like, { rkey: '3l3qo4aaaaa2b' }));
    assert.equal(l.type, 'reaction.added');
    assert.deepEqual(l.target, { network: 'atproto', id: like.subject.uri, cid: CID_A });
    const f = one(op('app.bsky.graph.follow', follow));
    assert.equal(f.type, 'follow.created');
    assert.deepEqual(f.subject, { network: 'atproto', id: BOB });
    const p = one(op('app.bsky.actor.profile', profile, { rkey: 'self' }));
    assert.equal(p.type, 'profile.updated');
    assert.equal(p.profile!.displayName, 'Alice');
    assert.equal(p.profile!.avatar!.mediaType, 'image/png');
  });

  it('deletes: post by URI; follow only with the kept subject', () => {
    const del = (collection: string, c: InboundContext = ctx) => toEvents({ action: 'delete', did: ALICE, collection, rkey: '3l3qo2vuowo2b', time: '2024-11-21T00:00:00.000Z' }, c);
    const p = del('app.bsky.feed.post').events[0]!;
    validateEvent(p);
    assert.equal(p.type, 'post.deleted');
    assert.equal(p.target!.id, `at://${ALICE}/app.bsky.feed.post/3l3qo2vuowo2b`);
    assert.match(del('app.bsky.graph.follow').ignored ?? '', /subject was never seen/);
    const f = del('app.bsky.graph.follow', { ...ctx, kept: { subject: BOB } }).events[0]!;
    validateEvent(f);
    assert.equal(f.type, 'follow.deleted');
    assert.equal(f.subject!.id, BOB);
    assert.equal(del('app.bsky.feed.like').events[0]!.type, 'reaction.removed');
    assert.equal(del('app.bsky.feed.repost').events[0]!.type, 'repost.deleted');
  });

  it('rejects malformed records with the lexicon reason, never throws', () => {
    const bad = [
      { $type: 'app.bsky.feed.post', text: 42, createdAt: 'x' },
      { $type: 'app.bsky.feed.post', text: 'x'.repeat(301), createdAt: '2024-11-20T10:00:00Z' },
      { $type: 'app.bsky.feed.like', subject: { uri: 'not a uri' }, createdAt: '2024-11-20T10:00:00Z' },
      null,
      'a string',
    ];
    for (const record of bad) {
      const r = toEvents(op(record && typeof record === 'object' && '$type' in record ? (record.$type as string) : 'app.bsky.feed.post', record));
      assert.equal(r.events.length, 0);
      assert.match(r.ignored ?? '', /^invalid app\.bsky\./);
    }
    assert.match(toEvents(op('app.bsky.graph.listitem', {})).ignored ?? '', /invalid|not bridged/);
  });

  it('marks our own PDS accounts\' records as bridged (echo)', () => {
    const e = one(op('app.bsky.feed.post', postWithFacets), { ...ctx, isBridged: (d) => d === ALICE });
    assert.equal(e.trace.bridged, true);
  });
});
