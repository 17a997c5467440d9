import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commandFor } from '../../../libs/adapter/testing.js';
import { actorKey, eventFixture, validateEvent, type BridgeEvent, type OutboundCommand } from '../../../libs/events/index.js';
import { AS2_CONTEXT, AS2_PUBLIC, inboxCopyUrl, SENSITIVE_SUMMARY, profileEvent, removalEvent, render, resourceSlug, toEvents, type As2Object, type InboundResource, type RenderContext } from './index.js';

const FIX = fileURLToPath(new URL('../../../../services/solid/mapping/fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(FIX + name, 'utf8');

const ALICE = { webId: 'https://alice.pod.example/profile/card#me', socialUrl: 'https://alice.pod.example/social/' };
const BRIDGED = { webId: 'https://bridge.example/mastodon-example-alice/profile/card#me', socialUrl: 'https://bridge.example/mastodon-example-alice/social/' };
const ACCOUNT = '5b0c6f9e-2f8c-4c57-9a53-1c3e1d7b9a01';
const ctx: RenderContext = { me: BRIDGED, bridgeUrl: 'https://pontis.example', socialOf: (ref) => (ref.id.startsWith('https://alice.pod.example/') ? ALICE.socialUrl : undefined) };

function cmd(e: BridgeEvent, refs: OutboundCommand['refs'] = {}): OutboundCommand {
  return commandFor(e, 'solid', ACCOUNT, { refs });
}

describe('render: BridgeEvents as AS2 resources in pods', () => {
  it('a post becomes one Note in the outbox, AS2 context only, world-readable, linking back to its origin', () => {
    const c = cmd(eventFixture('post.created'));
    const r = render(c, ctx);
    assert.equal(r.writes.length, 1);
    const w = r.writes[0]!;
    assert.equal(w.op, 'put');
    if (w.op !== 'put') return;
    assert.equal(w.url, `${BRIDGED.socialUrl}outbox/${resourceSlug(c.id)}`);
    assert.equal(w.public, true);
    assert.equal(w.body['@context'], AS2_CONTEXT);
    assert.equal(w.body.type, 'Note');
    assert.equal(w.body.attributedTo, BRIDGED.webId);
    assert.deepEqual(w.body.to, [AS2_PUBLIC]);
    assert.deepEqual(w.body.url, { type: 'Link', href: 'https://mastodon.example/@alice/109', rel: 'canonical', name: 'original on activitypub' });
    assert.match(String(w.body.content), /Hello/);
    assert.deepEqual((w.body.attachment as As2Object[])[0], { type: 'Image', url: 'https://mastodon.example/media/1.jpg', mediaType: 'image/jpeg', name: 'A bridge at dusk', width: 1200, height: 800 });
    assert.deepEqual(r.ref, { network: 'solid', id: w.url, url: w.url });
    // Only the AS2 vocabulary: any other key would need another context.
    const allowed = new Set(['@context', 'id', 'type', 'attributedTo', 'content', 'mediaType', 'contentMap', 'tag', 'attachment', 'published', 'url', 'to', 'generator']);
    for (const k of Object.keys(w.body)) assert.ok(allowed.has(k), `unexpected key ${k}`);
  });

  it('a note from Nostr (no web page) links back with a NIP-21 URI', () => {
    const e = eventFixture('post.created');
    e.source = { network: 'nostr', id: 'a'.repeat(64) };
    e.object!.url = undefined;
    const w = render(cmd(e), ctx).writes[0]!;
    assert.ok(w.op === 'put');
    assert.match((w.body.url as { href: string }).href, /^nostr:nevent1/);
  });

  it('an attachment copied into the pod lists the copy first and its origin as canonical', () => {
    const c = cmd(eventFixture('post.created'));
    const w = render(c, { ...ctx, mediaCopy: (i) => (i === 0 ? `${BRIDGED.socialUrl}media/x.jpg` : undefined) }).writes[0]!;
    assert.ok(w.op === 'put');
    assert.deepEqual((w.body.attachment as As2Object[])[0]!.url, [`${BRIDGED.socialUrl}media/x.jpg`, { type: 'Link', href: 'https://mastodon.example/media/1.jpg', rel: 'canonical' }]);
    const back = toEvents({ url: w.url, folder: 'outbox', body: JSON.stringify({ ...w.body, generator: undefined }) }, { owner: BRIDGED });
    assert.equal(back.events[0]!.object!.attachments[0]!.url, `${BRIDGED.socialUrl}media/x.jpg`);
  });

  it('the same command renders the same URL (idempotent retry)', () => {
    const c = cmd(eventFixture('post.created'));
    assert.deepEqual(render(c, ctx), render(c, ctx));
  });

  it('a reply to a Solid original also lands in the author’s inbox, under the same name', () => {
    const e = eventFixture('post.created');
    const parent = 'https://alice.pod.example/social/outbox/01JDX7Q';
    const r = render(cmd(e, { replyTo: { network: 'solid', id: parent, original: true } }), ctx);
    assert.equal(r.writes.length, 2);
    const [note, notice] = r.writes;
    assert.ok(note?.op === 'put' && notice?.op === 'put');
    assert.equal(note.body.inReplyTo, parent);
    assert.equal(notice.url, inboxCopyUrl(ALICE.socialUrl, note.url));
    assert.equal(notice.body.type, 'Create');
    assert.equal((notice.body.object as As2Object).id, note.url);
    assert.equal(notice.public, false);
  });

  it('a reply to a copy (not an original) writes no inbox notice', () => {
    const r = render(cmd(eventFixture('post.created'), { replyTo: { network: 'solid', id: 'https://alice.pod.example/social/outbox/x', original: false } }), ctx);
    assert.equal(r.writes.length, 1);
  });

  it('likes and reposts: Like/Announce in the outbox, notice to the original’s inbox', () => {
    const target = { network: 'solid' as const, id: 'https://alice.pod.example/social/outbox/01JDX7Q', original: true };
    const like = render(cmd(eventFixture('reaction.added'), { target }), ctx);
    assert.equal(like.writes.length, 2);
    assert.ok(like.writes[0]!.op === 'put' && like.writes[0]!.body.type === 'Like' && like.writes[0]!.body.object === target.id);
    const repost = render(cmd(eventFixture('repost.created'), { target }), ctx);
    assert.ok(repost.writes[0]!.op === 'put' && repost.writes[0]!.body.type === 'Announce');
  });

  it('removals delete our own copy and refuse anyone else’s', () => {
    const mine = `${BRIDGED.socialUrl}outbox/abc`;
    assert.deepEqual(render(cmd(eventFixture('post.deleted'), { target: { network: 'solid', id: mine, original: false } }), ctx).writes, [{ op: 'delete', url: mine }]);
    const foreign = render(cmd(eventFixture('post.deleted'), { target: { network: 'solid', id: 'https://alice.pod.example/social/outbox/01JDX7Q', original: true } }), ctx);
    assert.equal(foreign.writes.length, 0);
    assert.match(foreign.skipped!, /not ours/);
  });

  it('a content warning is the Note’s summary; a warning without a reason still gets one, and both read back', () => {
    const post = (contentWarning: string | undefined, sensitive: boolean) => {
      const e = eventFixture('post.created');
      e.object = { ...e.object!, contentWarning, sensitive };
      const w = render(cmd(e), ctx).writes[0]!;
      assert.ok(w.op === 'put');
      return w;
    };
    const reasoned = post('film plot', true);
    assert.equal(reasoned.body.summary, 'film plot');
    const bare = post(undefined, true);
    assert.equal(bare.body.summary, SENSITIVE_SUMMARY);
    assert.equal(post(undefined, false).body.summary, undefined);
    for (const [w, warning] of [[reasoned, 'film plot'], [bare, SENSITIVE_SUMMARY]] as const) {
      const back = toEvents({ url: w.url, folder: 'outbox', body: JSON.stringify({ ...w.body, generator: undefined }) }, { owner: BRIDGED }).events[0]!.object!;
      assert.equal(back.contentWarning, warning);
      assert.equal(back.sensitive, true);
    }
    // `as:sensitive` without a summary (expanded JSON-LD, or an app writing it) marks the post sensitive.
    const flagged = JSON.stringify([{ '@id': 'https://alice.pod.example/social/outbox/s', '@type': [`${AS2_CONTEXT}#Note`], [`${AS2_CONTEXT}#attributedTo`]: [{ '@id': ALICE.webId }], [`${AS2_CONTEXT}#content`]: [{ '@value': 'look' }], [`${AS2_CONTEXT}#sensitive`]: [{ '@value': true }] }]);
    const s = toEvents({ url: 'https://alice.pod.example/social/outbox/s', folder: 'outbox', body: flagged, publiclyReadable: true }, { owner: ALICE }).events[0]!.object!;
    assert.equal(s.sensitive, true);
    assert.equal(s.contentWarning, undefined);
  });

  it('an edit overwrites the copy in place', () => {
    const mine = `${BRIDGED.socialUrl}outbox/abc`;
    const r = render(cmd(eventFixture('post.updated'), { target: { network: 'solid', id: mine, original: false } }), ctx);
    assert.ok(r.writes[0]!.op === 'put' && r.writes[0]!.url === mine && typeof r.writes[0]!.body.updated === 'string');
  });

  it('a profile becomes the AS2 profile resource', () => {
    const r = render(cmd(eventFixture('profile.updated')), ctx);
    const w = r.writes[0]!;
    assert.ok(w.op === 'put' && w.url === `${BRIDGED.socialUrl}profile` && w.role === 'profile');
  });

  it('a quote is a FEP-e232 object link plus a `RE:` line, and reads back as the quote without that line', () => {
    const quoted = 'https://bridge.example/nostr-abc/social/outbox/q1';
    const c = cmd(eventFixture('post.created'), { quote: { network: 'solid', id: quoted, original: false } });
    const w = render(c, ctx).writes[0]!;
    assert.ok(w.op === 'put');
    const link = (w.body.tag as As2Object[]).find((t) => t.type === 'Link');
    assert.deepEqual(link, { type: 'Link', mediaType: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', rel: 'https://misskey-hub.net/ns#_misskey_quote', href: quoted, name: `RE: ${quoted}` });
    assert.match(String(w.body.content), new RegExp(`<p>RE: <a href="${quoted}">`));
    const back = toEvents({ url: w.url, folder: 'outbox', body: JSON.stringify({ ...w.body, generator: undefined }) }, { owner: BRIDGED }).events[0]!;
    assert.deepEqual(back.object!.quote, { network: 'solid', id: quoted });
    assert.equal(back.object!.text, eventFixture('post.created').object!.text.trim());
    assert.ok(!back.object!.text.includes('RE:'));
  });

  it('a quoted Nostr note with no web copy is linked by its NIP-21 URI in the text only', () => {
    const c = cmd(eventFixture('post.created'), { quote: { network: 'nostr', id: 'b'.repeat(64), original: true } });
    const w = render(c, ctx).writes[0]!;
    assert.ok(w.op === 'put');
    assert.match(String(w.body.content), /RE: <a href="nostr:nevent1/);
  });

  it('a person mentioned twice is two mentions, and a longer name is not taken for a shorter one', () => {
    const body = JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: ALICE.webId, content: '@cydney and @cyd, hi @cyd', mediaType: 'text/plain', to: [AS2_PUBLIC], tag: [{ type: 'Mention', href: 'https://cyd.example/#me', name: '@cyd' }] });
    const facets = toEvents({ url: `${ALICE.socialUrl}outbox/m1`, folder: 'outbox', body }, { owner: ALICE }).events[0]!.object!.facets;
    assert.deepEqual(facets.map((f) => [f.start, f.end, f.actor?.id]), [[12, 16, 'https://cyd.example/#me'], [21, 25, 'https://cyd.example/#me']]);
  });

  it('a Solid app’s single object link is read as the quote; other links are not', () => {
    const body = (tag: unknown) => JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: ALICE.webId, content: 'look', to: [AS2_PUBLIC], tag });
    const url = `${ALICE.socialUrl}outbox/n1`;
    const q = toEvents({ url, folder: 'outbox', body: body([{ type: 'Link', mediaType: 'application/activity+json', href: 'https://pod.example/x' }]) }, { owner: ALICE });
    assert.deepEqual(q.events[0]!.object!.quote, { network: 'solid', id: 'https://pod.example/x' });
    const none = toEvents({ url, folder: 'outbox', body: body([{ type: 'Link', mediaType: 'text/html', href: 'https://pod.example/page' }]) }, { owner: ALICE });
    assert.equal(none.events[0]!.object!.quote, undefined);
  });

  it('a follow is an AS2 Follow in the outbox, named by the pair, with a notice in a linked person’s inbox; the unfollow deletes it', () => {
    const e = eventFixture('follow.created');
    const actors = { [actorKey(e.subject!)]: { id: ALICE.webId } };
    const follow = render(commandFor(e, 'solid', ACCOUNT, { actors }), { ...ctx, socialOfPerson: (w) => (w === ALICE.webId ? ALICE.socialUrl : undefined) });
    assert.equal(follow.writes.length, 2);
    const [out, notice] = follow.writes;
    assert.ok(out!.op === 'put' && notice!.op === 'put');
    assert.equal(out.body.type, 'Follow');
    assert.equal(out.body.actor, BRIDGED.webId);
    assert.equal(out.body.object, ALICE.webId);
    assert.equal(notice.url, `${ALICE.socialUrl}inbox/${out.url.split('/').pop()}`);
    assert.equal(notice.role, 'inbox');
    const undo = { ...e, id: `${e.id}-undo`, type: 'follow.deleted' as const };
    assert.deepEqual(render(commandFor(undo, 'solid', ACCOUNT, { actors }), ctx).writes, [{ op: 'delete', url: out.url }]);
    // Read back by another instance: the same follow, and its disappearance the unfollow.
    const back = toEvents({ url: out.url, folder: 'outbox', body: JSON.stringify({ ...out.body, generator: undefined }) }, { owner: BRIDGED });
    assert.equal(back.kind, 'follow');
    assert.deepEqual(back.events[0]!.subject, { network: 'solid', id: ALICE.webId });
    assert.equal(back.events[0]!.type, 'follow.created');
    const gone = removalEvent({ url: out.url, kind: 'follow', author: BRIDGED.webId, subject: ALICE.webId }, '2026-11-26T00:00:00.000Z');
    assert.equal(gone.type, 'follow.deleted');
    assert.deepEqual(gone.subject, { network: 'solid', id: ALICE.webId });
    assert.deepEqual(validateEvent(gone), gone);
  });

  it('a follow of someone with no identity on Solid is skipped with the reason', () => {
    assert.match(render(cmd(eventFixture('follow.created')), ctx).skipped!, /no identity on Solid/);
  });
});

describe('toEvents: pod resources as BridgeEvents', () => {
  const res = (body: string, over: Partial<InboundResource> = {}): InboundResource => ({ url: 'https://alice.pod.example/social/outbox/01JDX7Q', folder: 'outbox', body, etag: '"1"', ...over });

  it('a Note written by a Solid app becomes post.created, its HTML cleaned', () => {
    const { events, kind } = toEvents(res(fixture('solid-app-note.json')), { owner: ALICE });
    assert.equal(kind, 'post');
    const e = validateEvent(events[0]);
    assert.equal(e.type, 'post.created');
    assert.equal(e.id, 'solid:https://alice.pod.example/social/outbox/01JDX7Q');
    assert.equal(e.actor.id, ALICE.webId);
    assert.equal(e.object!.visibility, 'public');
    assert.doesNotMatch(e.object!.html!, /script/);
    assert.equal(e.object!.text, 'Hello from my pod, @bob!');
    assert.deepEqual(e.object!.facets, [{ kind: 'mention', start: 19, end: 23, actor: { network: 'solid', id: 'https://bob.pod.example/profile/card#me' } }]);
    assert.equal(e.object!.attachments[0]!.alt, 'A bridge at dusk');
  });

  it('expanded JSON-LD (a pod converting Turtle) is read too', () => {
    const { events } = toEvents(res(fixture('turtle-note-expanded.json'), { url: 'https://alice.pod.example/social/outbox/from-turtle', publiclyReadable: true }), { owner: ALICE });
    const e = validateEvent(events[0]);
    assert.equal(e.object!.text, 'Written as Turtle');
    assert.equal(e.object!.replyTo!.id, 'https://carol.pod.example/social/outbox/p1');
    assert.equal(e.object!.attachments[0]!.url, 'https://alice.pod.example/social/media/cat.png');
    assert.equal(e.object!.visibility, 'public');
  });

  it('without addressing, a resource only the owner can read is never public', () => {
    const body = JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: ALICE.webId, content: 'private thoughts' });
    assert.equal(toEvents(res(body, { publiclyReadable: false }), { owner: ALICE }).events[0]!.object!.visibility, 'followers');
  });

  it('a changed ETag is post.updated; the same ETag is nothing', () => {
    const updated = toEvents(res(fixture('solid-app-note.json'), { etag: '"2"' }), { owner: ALICE, previous: { etag: '"1"' } });
    const e = validateEvent(updated.events[0]);
    assert.equal(e.type, 'post.updated');
    assert.equal(e.target!.id, 'https://alice.pod.example/social/outbox/01JDX7Q');
    assert.equal(toEvents(res(fixture('solid-app-note.json')), { owner: ALICE, previous: { etag: '"1"' } }).events.length, 0);
  });

  it('a Like in the inbox is reaction.added by its actor', () => {
    const { events } = toEvents(res(fixture('inbox-like.json'), { url: 'https://alice.pod.example/social/inbox/like-1', folder: 'inbox' }), { owner: ALICE });
    const e = validateEvent(events[0]);
    assert.equal(e.type, 'reaction.added');
    assert.equal(e.actor.id, 'https://carol.pod.example/profile/card#me');
    assert.equal(e.target!.id, 'https://alice.pod.example/social/outbox/01JDX7Q');
  });

  it('hostile or unusable bodies come back ignored with the reason, never thrown', () => {
    const cases: [string, RegExp][] = [
      ['{"@context": "https://www.w3.org/ns/activitystreams", "type": "Note", ', /malformed JSON/],
      ['{"@context": "https://schema.org/", "type": "SocialMediaPosting"}', /unsupported @context/],
      ['[1,2,3]', /no ActivityStreams object/],
      ['"just a string"', /not a JSON-LD object/],
      [JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: 'https://mallory.example/#me', content: 'spoof' }), /not to the pod owner/],
      [JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: ALICE.webId, content: 'x', generator: { type: 'Application', name: 'Pontis' } }), /written by the bridge/],
      [JSON.stringify({ '@context': AS2_CONTEXT, type: 'Event', attributedTo: ALICE.webId }), /not bridged/],
    ];
    for (const [body, why] of cases) {
      const r = toEvents(res(body), { owner: ALICE });
      assert.equal(r.events.length, 0, body);
      assert.match(r.ignored!, why);
    }
  });

  it('a rendered copy read back by another bridge instance is the same post (round trip)', () => {
    const c = cmd(eventFixture('post.created'));
    const w = render(c, { me: ALICE }).writes[0]!;
    assert.ok(w.op === 'put');
    const { generator: _g, ...body } = w.body;
    const e = validateEvent(toEvents(res(JSON.stringify(body), { url: w.url }), { owner: ALICE }).events[0]);
    const src = eventFixture('post.created').object!;
    assert.equal(e.object!.text.replace(/\s+/g, ' '), src.text);
    assert.equal(e.object!.attachments[0]!.alt, src.attachments[0]!.alt);
    assert.equal(e.object!.visibility, 'public');
  });

  it('a WebID profile (expanded JSON-LD) becomes profile.updated; one without a name is ignored', () => {
    const doc = JSON.stringify([
      { '@id': 'https://alice.pod.example/profile/card', '@type': ['http://xmlns.com/foaf/0.1/PersonalProfileDocument'] },
      { '@id': ALICE.webId, 'http://xmlns.com/foaf/0.1/name': [{ '@value': 'Alice' }], 'http://www.w3.org/2006/vcard/ns#note': [{ '@value': 'I keep my data' }], 'http://www.w3.org/2006/vcard/ns#hasPhoto': [{ '@id': 'https://alice.pod.example/me.jpg' }] },
    ]);
    const { event } = profileEvent(doc, ALICE.webId, '"7"', '2026-11-22T00:00:00.000Z');
    const e = validateEvent(event);
    assert.deepEqual(e.profile, { displayName: 'Alice', summary: 'I keep my data', avatar: { url: 'https://alice.pod.example/me.jpg', mediaType: 'image/*' } });
    assert.equal(e.id, 'solid:https://alice.pod.example/profile/card@"7"');
    assert.match(profileEvent(JSON.stringify([{ '@id': ALICE.webId }]), ALICE.webId, undefined, e.occurredAt).ignored!, /no name/);
    assert.match(profileEvent('<html>', ALICE.webId, undefined, e.occurredAt).ignored!, /not JSON-LD/);
  });

  it('a resource that disappeared is the removal of what it was', () => {
    const e = validateEvent(removalEvent({ url: 'https://alice.pod.example/social/outbox/x', kind: 'reaction', author: ALICE.webId }, '2026-11-22T00:00:00.000Z'));
    assert.equal(e.type, 'reaction.removed');
    assert.equal(e.target!.id, 'https://alice.pod.example/social/outbox/x');
  });
});
