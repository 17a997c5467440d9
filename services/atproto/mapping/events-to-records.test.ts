import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CORRECTION_PREFIX } from '../../../libs/adapter/edit-fallback.js';
import { commandFor } from '../../../libs/adapter/testing.js';
import type { BridgeEvent, MappedRef, PostObject } from '../../../libs/events/index.js';
import type { BlobJson } from './atproto-records.js';
import { render } from './events-to-records.js';
import { isTid } from './record-key.js';
import { graphemeLength } from './text-fit.js';
import { InvalidRecordError } from './validate-record.js';

const ME = 'did:plc:bridgedaaaaaaaaaaaaaaaaa';
const BOB = 'did:plc:z72i7hdynmk6r22z27h6tvur';
const CID = 'bafyreid27zk7lbis4zw5fz4podbvbs4fc5ivwji3dmrwa6zggnj4bnd57u';
const NOSTR_ALICE = 'a'.repeat(64);
const ACCOUNT = '00000000-0000-4000-8000-000000000001';

function postEvent(object: Partial<PostObject>, id = 'nostr:' + 'e'.repeat(64)): BridgeEvent {
  return {
    v: 1, id, type: 'post.created', occurredAt: '2026-11-20T10:00:00.000Z',
    source: { network: 'nostr', id: id.slice(6) }, actor: { network: 'nostr', id: NOSTR_ALICE, handle: 'alice@nostr.example' },
    object: { kind: 'note', text: 'hello', facets: [], attachments: [], sensitive: false, visibility: 'public', publishedAt: '2026-11-20T10:00:00.000Z', ...object },
    trace: { origin: 'nostr', hops: 0 },
  };
}
const ref = (uri: string, cid?: string): MappedRef => ({ network: 'atproto', id: uri, ...(cid ? { cid } : {}), original: true });

describe('events → records', () => {
  it('a post: valid record, TID rkey stable per command', () => {
    const cmd = commandFor(postEvent({ text: 'hello #pontis https://example.com' }), 'atproto', ACCOUNT);
    const a = render(cmd, { did: ME });
    const b = render(cmd, { did: ME });
    assert.equal(a.writes.length, 1);
    const w = a.writes[0]!;
    assert.equal(w.action, 'create');
    assert.ok(isTid(w.rkey), w.rkey);
    assert.equal(w.rkey, b.writes[0]!.rkey);
    const rec = (w as { record: Record<string, unknown> }).record;
    assert.equal(rec.text, 'hello #pontis https://example.com');
    assert.equal((rec.facets as unknown[]).length, 2, 'links and tags detected in plain text');
  });

  it('mentions become DID facets through the command\'s actor map', () => {
    const ev = postEvent({ text: 'hi @bob 👨‍👩‍👧', facets: [{ kind: 'mention', start: 3, end: 7, actor: { network: 'nostr', id: 'b'.repeat(64) } }] });
    const cmd = commandFor(ev, 'atproto', ACCOUNT, { actors: { [`nostr:${'b'.repeat(64)}`]: { id: BOB, handle: 'bob.test' } } });
    const rec = (render(cmd, { did: ME }).writes[0] as unknown as { record: { facets: { index: { byteStart: number; byteEnd: number }; features: unknown[] }[] } }).record;
    assert.deepEqual(rec.facets[0]!.index, { byteStart: 3, byteEnd: 7 });
    assert.deepEqual(rec.facets[0]!.features, [{ $type: 'app.bsky.richtext.facet#mention', did: BOB }]);
  });

  it('long text is cut to 300 graphemes with a link to the original', () => {
    const text = Array.from({ length: 200 }, (_, i) => `mot${i}`).join(' ');
    const cmd = commandFor(postEvent({ text, url: 'https://njump.me/note1abc' }), 'atproto', ACCOUNT);
    const rec = (render(cmd, { did: ME }).writes[0] as unknown as { record: { text: string; facets: { features: { uri?: string }[] }[] } }).record;
    assert.ok(graphemeLength(rec.text) <= 300);
    assert.ok(rec.text.endsWith('… https://njump.me/note1abc'));
    assert.equal(rec.facets.at(-1)!.features[0]!.uri, 'https://njump.me/note1abc');
  });

  it('long text as a thread when the account chose it: parts ≤300 graphemes, facets per part, reply and embed on the first', () => {
    const words = Array.from({ length: 150 }, (_, i) => `w${i}`).join(' ');
    const text = `${words} 👨‍👩‍👧 @bob é${'\u0301'} end`;
    const at = text.indexOf('@bob');
    const ev = postEvent({ text, facets: [{ kind: 'mention', start: at, end: at + 4, actor: { network: 'nostr', id: 'b'.repeat(64) } }] });
    const cmd = commandFor(ev, 'atproto', ACCOUNT, { actors: { [`nostr:${'b'.repeat(64)}`]: { id: BOB, handle: 'bob.test' } }, refs: { replyTo: ref(`at://${BOB}/app.bsky.feed.post/3kabc`, CID) } });
    const r = render(cmd, { did: ME, threadLongText: true });
    assert.equal(r.thread, true);
    assert.ok(r.writes.length >= 2, `${r.writes.length} parts`);
    const recs = r.writes.map((w) => (w as { record: Record<string, any> }).record);
    for (const rec of recs) assert.ok(graphemeLength(rec.text) <= 300);
    assert.equal(recs.map((x) => x.text).join(' ').replace(/\s+/g, ' '), text.replace(/\s+/g, ' '), 'nothing lost, no link tail');
    assert.ok(recs[0]!.reply, 'the first part replies where the post did');
    assert.ok(recs.slice(1).every((x) => !x.reply), 'later parts: the deliverer chains them');
    const last = recs.at(-1)!;
    const mention = last.facets?.find((f: any) => f.features[0].$type.endsWith('#mention'));
    assert.ok(mention, 'the mention is in the part that has its text');
    assert.equal(Buffer.from(last.text).subarray(mention.index.byteStart, mention.index.byteEnd).toString(), '@bob');
    const keys = r.writes.map((w) => w.rkey);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual(render(cmd, { did: ME, threadLongText: true }).writes.map((w) => w.rkey), keys, 'stable per command');
    assert.deepEqual([...keys].sort(), keys, 'TIDs in thread order');
    assert.equal(render(cmd, { did: ME }).writes.length, 1, 'without the choice: one post, cut');
  });

  it('deleting a thread deletes its other parts first', () => {
    const del: BridgeEvent = { v: 1, id: 'nostr:' + 'd'.repeat(64), type: 'post.deleted', occurredAt: '2026-11-20T11:00:00.000Z', source: { network: 'nostr', id: 'd'.repeat(64) }, actor: { network: 'nostr', id: NOSTR_ALICE }, trace: { origin: 'nostr', hops: 0 } };
    const cmd = commandFor(del, 'atproto', ACCOUNT, { refs: { target: ref(`at://${ME}/app.bsky.feed.post/3kaaa`) } });
    const r = render(cmd, { did: ME, threadRkeys: ['3kbbb', '3kccc'] });
    assert.deepEqual(r.writes.map((w) => `${w.action}:${w.rkey}`), ['delete:3kccc', 'delete:3kbbb', 'delete:3kaaa']);
  });

  it('a reply carries root and parent strong refs; a missing CID comes from the context', () => {
    const root = `at://${BOB}/app.bsky.feed.post/3l3qo2vuowo2b`;
    const parent = `at://${BOB}/app.bsky.feed.post/3l3qo3ltdxc2c`;
    const cmd = commandFor(postEvent({ text: 're' }), 'atproto', ACCOUNT, { refs: { replyTo: ref(parent), threadRoot: ref(root, CID) } });
    const rec = (render(cmd, { did: ME, cids: new Map([[parent, CID]]) }).writes[0] as { record: Record<string, unknown> }).record;
    assert.deepEqual(rec.reply, { root: { uri: root, cid: CID }, parent: { uri: parent, cid: CID } });
  });

  it('quote with images → recordWithMedia; images keep alt text, at most 4', () => {
    const blob: BlobJson = { $type: 'blob', ref: { $link: 'bafkreibabalobzn6cd366ukcsjycp4yymjymgfxcv6xczmlgpemzkz3cfa' }, mimeType: 'image/jpeg', size: 1000 };
    const attachments = Array.from({ length: 5 }, (_, i) => ({ url: `https://img.example/${i}.jpg`, mediaType: 'image/jpeg', alt: `picture ${i}` }));
    const quoted = `at://${BOB}/app.bsky.feed.post/3l3qo2vuowo2b`;
    const cmd = commandFor(postEvent({ text: 'pics', attachments, sensitive: true }), 'atproto', ACCOUNT, { refs: { quote: ref(quoted, CID) } });
    const rec = (render(cmd, { did: ME, blobs: new Map(attachments.map((a) => [a.url, blob])) }).writes[0] as { record: Record<string, any> }).record;
    assert.equal(rec.embed.$type, 'app.bsky.embed.recordWithMedia');
    assert.deepEqual(rec.embed.record.record, { uri: quoted, cid: CID });
    assert.equal(rec.embed.media.images.length, 4);
    assert.equal(rec.embed.media.images[2].alt, 'picture 2');
    assert.deepEqual(rec.labels.values, [{ val: 'graphic-media' }]);
  });

  it('a video: embed.video with alt text and aspect ratio; pictures win when both are there; quoted → recordWithMedia', () => {
    const video: BlobJson = { $type: 'blob', ref: { $link: CID }, mimeType: 'video/mp4', size: 12345 };
    const image: BlobJson = { $type: 'blob', ref: { $link: CID }, mimeType: 'image/jpeg', size: 99 };
    const clip = { url: 'https://x.example/v.mp4', mediaType: 'video/mp4', alt: 'a cat jumps', width: 1280, height: 720 };
    const cmd = commandFor(postEvent({ text: 'watch', attachments: [clip] }), 'atproto', ACCOUNT);
    const rec = (render(cmd, { did: ME, blobs: new Map([[clip.url, video]]) }).writes[0] as { record: Record<string, any> }).record;
    assert.deepEqual(rec.embed, { $type: 'app.bsky.embed.video', video, alt: 'a cat jumps', aspectRatio: { width: 1280, height: 720 } });
    const noBlob = (render(cmd, { did: ME }).writes[0] as { record: Record<string, any> }).record;
    assert.equal(noBlob.embed, undefined, 'a video that could not be had is left out; the text goes');
    const pic = { url: 'https://x.example/p.jpg', mediaType: 'image/jpeg' };
    const both = commandFor(postEvent({ text: 'both', attachments: [clip, pic] }), 'atproto', ACCOUNT, { refs: { quote: ref(`at://${BOB}/app.bsky.feed.post/3kq`, CID) } });
    const r2 = (render(both, { did: ME, blobs: new Map([[clip.url, video], [pic.url, image]]) }).writes[0] as { record: Record<string, any> }).record;
    assert.equal(r2.embed.$type, 'app.bsky.embed.recordWithMedia');
    assert.equal(r2.embed.media.$type, 'app.bsky.embed.images');
    const quotedVideo = commandFor(postEvent({ text: 'q', attachments: [clip] }), 'atproto', ACCOUNT, { refs: { quote: ref(`at://${BOB}/app.bsky.feed.post/3kq`, CID) } });
    const r3 = (render(quotedVideo, { did: ME, blobs: new Map([[clip.url, video]]) }).writes[0] as { record: Record<string, any> }).record;
    assert.equal(r3.embed.media.$type, 'app.bsky.embed.video');
  });

  it('a content warning leads the text and shifts the facets', () => {
    const cmd = commandFor(postEvent({ text: '#spoiler end', contentWarning: 'film plot', facets: [{ kind: 'tag', start: 0, end: 8, tag: 'spoiler' }] }), 'atproto', ACCOUNT);
    const rec = (render(cmd, { did: ME }).writes[0] as unknown as { record: Record<string, any> }).record;
    assert.ok(rec.text.startsWith('⚠️ film plot\n\n#spoiler'));
    const b = Buffer.from(rec.text, 'utf8');
    assert.equal(b.subarray(rec.facets[0].index.byteStart, rec.facets[0].index.byteEnd).toString(), '#spoiler');
  });

  it('an edit becomes a correction reply to the copy, dated at the edit, in the copy\'s thread; the copy is not rewritten', () => {
    const copy = `at://${ME}/app.bsky.feed.post/3l3qo2vuowo2b`;
    const root = `at://${BOB}/app.bsky.feed.post/3l3qo3ltdxc2c`;
    const edit: BridgeEvent = {
      ...postEvent({ text: 'fixed #typo', facets: [{ kind: 'tag', start: 6, end: 11, tag: 'typo' }], updatedAt: '2026-11-20T11:00:00.000Z' }),
      type: 'post.updated',
      occurredAt: '2026-11-20T11:00:00.000Z',
    };
    const r = render(commandFor(edit, 'atproto', ACCOUNT, { refs: { target: ref(copy) } }), { did: ME, cids: new Map([[copy, CID]]) });
    assert.equal(r.aside, true, 'the copy stays the target');
    assert.equal(r.writes.length, 1);
    const w = r.writes[0] as { action: string; collection: string; rkey: string; record: { text: string; createdAt: string; reply: unknown; facets: { index: { byteStart: number; byteEnd: number } }[] } };
    assert.equal(w.action, 'create');
    assert.equal(w.collection, 'app.bsky.feed.post');
    assert.notEqual(w.rkey, '3l3qo2vuowo2b');
    assert.equal(w.record.text, `${CORRECTION_PREFIX}\n\nfixed #typo`);
    assert.equal(w.record.createdAt, '2026-11-20T11:00:00.000Z');
    assert.deepEqual(w.record.reply, { root: { uri: copy, cid: CID }, parent: { uri: copy, cid: CID } });
    const tag = w.record.facets[0]!.index;
    assert.equal(Buffer.from(w.record.text).subarray(tag.byteStart, tag.byteEnd).toString(), '#typo');

    const inThread = render(commandFor(edit, 'atproto', ACCOUNT, { refs: { target: ref(copy, CID), threadRoot: ref(root, CID) } }), { did: ME });
    assert.deepEqual((inThread.writes[0] as unknown as { record: { reply: unknown } }).record.reply, { root: { uri: root, cid: CID }, parent: { uri: copy, cid: CID } });

    const notOurs = render(commandFor(edit, 'atproto', ACCOUNT, { refs: { target: ref(root, CID) } }), { did: ME });
    assert.deepEqual(notOurs.writes, []);
    assert.match(notOurs.skipped ?? '', /no copy in our repo/);
    const noCid = render(commandFor(edit, 'atproto', ACCOUNT, { refs: { target: ref(copy) } }), { did: ME });
    assert.deepEqual(noCid.writes, []);
    assert.match(noCid.skipped ?? '', /no CID/);
  });

  it('like, repost, follow, block, and their deletes', () => {
    const target = `at://${BOB}/app.bsky.feed.post/3l3qo2vuowo2b`;
    const base = { v: 1 as const, occurredAt: '2026-11-20T10:00:00.000Z', actor: { network: 'nostr' as const, id: NOSTR_ALICE }, trace: { origin: 'nostr' as const, hops: 0 } };
    const like: BridgeEvent = { ...base, id: 'nostr:l', type: 'reaction.added', source: { network: 'nostr', id: 'l' }, target: { network: 'nostr', id: 'x' }, reaction: { content: '+' } };
    const w = render(commandFor(like, 'atproto', ACCOUNT, { refs: { target: ref(target, CID) } }), { did: ME }).writes[0]!;
    assert.equal(w.collection, 'app.bsky.feed.like');
    assert.deepEqual((w as { record: Record<string, unknown> }).record.subject, { uri: target, cid: CID });
    const noCid = render(commandFor(like, 'atproto', ACCOUNT, { refs: { target: ref(target) } }), { did: ME });
    assert.match(noCid.skipped ?? '', /CID/);

    const follow: BridgeEvent = { ...base, id: 'nostr:f', type: 'follow.created', source: { network: 'nostr', id: 'f' }, subject: { network: 'nostr', id: 'b'.repeat(64) } };
    const fw = render(commandFor(follow, 'atproto', ACCOUNT, { actors: { [`nostr:${'b'.repeat(64)}`]: { id: BOB } } }), { did: ME }).writes[0]!;
    assert.deepEqual([fw.collection, (fw as { record: Record<string, unknown> }).record.subject], ['app.bsky.graph.follow', BOB]);

    const unfollow: BridgeEvent = { ...base, id: 'nostr:uf', type: 'follow.deleted', source: { network: 'nostr', id: 'uf' }, subject: follow.subject };
    assert.deepEqual(render(commandFor(unfollow, 'atproto', ACCOUNT), { did: ME, existingRkey: '3kabcabcabc22' }).writes, [{ action: 'delete', collection: 'app.bsky.graph.follow', rkey: '3kabcabcabc22' }]);
    const del: BridgeEvent = { ...base, id: 'nostr:d', type: 'post.deleted', source: { network: 'nostr', id: 'd' }, target: { network: 'nostr', id: 'x' } };
    assert.deepEqual(render(commandFor(del, 'atproto', ACCOUNT, { refs: { target: ref(`at://${ME}/app.bsky.feed.post/3kabcabcabc22`) } }), { did: ME }).writes, [
      { action: 'delete', collection: 'app.bsky.feed.post', rkey: '3kabcabcabc22' },
    ]);
    // Never someone else's record.
    assert.ok(render(commandFor(del, 'atproto', ACCOUNT, { refs: { target: ref(target) } }), { did: ME }).skipped);
  });

  it('profile: name ≤64 and description ≤256 graphemes, unknown fields kept', () => {
    const ev: BridgeEvent = {
      v: 1, id: 'nostr:p', type: 'profile.updated', occurredAt: '2026-11-20T10:00:00.000Z', source: { network: 'nostr', id: 'p' },
      actor: { network: 'nostr', id: NOSTR_ALICE }, trace: { origin: 'nostr', hops: 0 },
      profile: { displayName: 'N'.repeat(100), summary: '🇺🇦'.repeat(300), links: [{ label: 'web', url: 'https://alice.example' }] },
    };
    const w = render(commandFor(ev, 'atproto', ACCOUNT), { did: ME, currentProfile: { pinnedPost: { uri: `at://${ME}/app.bsky.feed.post/3kabcabcabc22`, cid: CID } } }).writes[0]!;
    const rec = (w as { record: Record<string, any> }).record;
    assert.deepEqual([w.action, w.collection, w.rkey], ['put', 'app.bsky.actor.profile', 'self']);
    assert.equal(graphemeLength(rec.displayName), 64);
    assert.equal(graphemeLength(rec.description), 256);
    assert.equal(rec.website, 'https://alice.example');
    assert.ok(rec.pinnedPost);
  });

  it('an invalid record is refused before any write', () => {
    const cmd = commandFor(postEvent({ text: 'x', language: 'en', publishedAt: 'not a date' }), 'atproto', ACCOUNT);
    assert.throws(() => render(cmd, { did: ME }), InvalidRecordError);
  });
});
