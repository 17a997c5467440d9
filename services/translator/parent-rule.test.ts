import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as nip19 from 'nostr-tools/nip19';
import { eventFixture, type ObjectRef } from '../../libs/events/index.js';
import { publicUrlOf, withParentLink } from './parent-link.js';
import { authorNamedBy, decideParent, type ParentFacts } from './parent-rule.js';
import type { ObjectInfo } from './translation-context.js';

const known = (o: Partial<ObjectInfo> = {}): ObjectInfo => ({ objectKey: 'k', copies: { atproto: { id: 'at://did:plc:a/app.bsky.feed.post/1', original: true } }, planned: new Set(), deleted: false, ...o });
const facts = (o: Partial<ParentFacts>): ParentFacts => ({ info: undefined, authorBridged: undefined, givenUp: false, ...o });

describe('decideParent: does a reply wait for its parent on the target, or go now linking it?', () => {
  it('points at the copy when the target has one, whatever else holds', () => {
    const info = known({ copies: { atproto: { id: 'a', original: true }, nostr: { id: 'n', original: false } } });
    assert.deepEqual(decideParent('nostr', facts({ info })), { kind: 'copy', copy: { id: 'n', original: false } });
    assert.equal(decideParent('nostr', facts({ info, givenUp: true })).kind, 'copy');
  });

  it('waits for a known parent whose copy is on its way, links one that will never be there', () => {
    assert.deepEqual(decideParent('nostr', facts({ info: known({ planned: new Set(['nostr']) }) })), { kind: 'wait', seen: true, briefly: false });
    assert.deepEqual(decideParent('nostr', facts({ info: known() })), { kind: 'link' });
    assert.deepEqual(decideParent('nostr', facts({ info: known({ planned: new Set(['nostr']) }), givenUp: true })), { kind: 'link' });
  });

  it('a parent never seen: links at once when its named author is not bridged, waits when they are, waits briefly when no author is named', () => {
    assert.deepEqual(decideParent('nostr', facts({ authorBridged: false })), { kind: 'link' });
    assert.deepEqual(decideParent('nostr', facts({ authorBridged: true })), { kind: 'wait', seen: false, briefly: false });
    assert.deepEqual(decideParent('nostr', facts({})), { kind: 'wait', seen: false, briefly: true });
    assert.deepEqual(decideParent('nostr', facts({ givenUp: true })), { kind: 'link' });
  });
});

describe('authorNamedBy', () => {
  it('reads the DID out of an at:// URI and nothing out of other ids', () => {
    assert.deepEqual(authorNamedBy({ network: 'atproto', id: 'at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbz' }), { network: 'atproto', id: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz' });
    assert.deepEqual(authorNamedBy({ network: 'atproto', id: 'at://did:web:example.com/app.bsky.feed.post/1' }), { network: 'atproto', id: 'did:web:example.com' });
    assert.equal(authorNamedBy({ network: 'atproto', id: 'at://alice.bsky.social/app.bsky.feed.post/1' }), undefined, 'a handle is not an identity');
    assert.deepEqual(authorNamedBy({ network: 'nostr', id: 'ab'.repeat(32), writtenBy: { network: 'nostr', id: 'cd'.repeat(32) } }), { network: 'nostr', id: 'cd'.repeat(32) });
    assert.equal(authorNamedBy({ network: 'nostr', id: 'ab'.repeat(32), writtenBy: { network: 'activitypub', id: 'https://x.example/u' } }), undefined, 'an author on another network cannot have written it');
    assert.equal(authorNamedBy({ network: 'nostr', id: 'ab'.repeat(32) }), undefined);
    assert.equal(authorNamedBy({ network: 'activitypub', id: 'https://mastodon.example/users/alice/statuses/1' }), undefined);
  });
});

describe('publicUrlOf and withParentLink', () => {
  it('finds where each network lets people read a post', () => {
    const cases: Array<[ObjectRef, string | undefined]> = [
      [{ network: 'activitypub', id: 'https://m.example/users/a/statuses/1', url: 'https://m.example/@a/1' }, 'https://m.example/@a/1'],
      [{ network: 'solid', id: 'https://pod.example/social/outbox/1' }, 'https://pod.example/social/outbox/1'],
      [{ network: 'atproto', id: 'at://did:plc:x/app.bsky.feed.post/3k' }, 'https://bsky.app/profile/did:plc:x/post/3k'],
      [{ network: 'atproto', id: 'at://did:plc:x/app.bsky.feed.like/3k' }, undefined],
      [{ network: 'nostr', id: 'not hex' }, undefined],
      [{ network: 'activitypub', id: 'https://m.example/1', url: 'javascript:alert(1)' }, 'https://m.example/1'],
    ];
    for (const [ref, url] of cases) assert.equal(publicUrlOf(ref), url, ref.id);
    assert.match(publicUrlOf({ network: 'nostr', id: 'ab'.repeat(32) })!, /^https:\/\/njump\.me\/nevent1[a-z0-9]+$/);
    // A known author goes into the nevent, so a viewer knows whose relays to ask.
    const named = publicUrlOf({ network: 'nostr', id: 'ab'.repeat(32), writtenBy: { network: 'nostr', id: 'cd'.repeat(32) } })!;
    assert.deepEqual(nip19.decode(named.replace('https://njump.me/', '')).data, { id: 'ab'.repeat(32), author: 'cd'.repeat(32), relays: [], kind: undefined });
  });

  it('turns a reply into a post of its own ending with the link, as text, a link facet and HTML', () => {
    const e = eventFixture('post.created');
    e.object!.replyTo = { network: 'atproto', id: 'at://did:plc:x/app.bsky.feed.post/3k' };
    e.object!.threadRoot = { network: 'atproto', id: 'at://did:plc:x/app.bsky.feed.post/1' };
    const out = withParentLink(e, e.object!.replyTo);
    const o = out.object!;
    assert.equal(o.replyTo, undefined);
    assert.equal(o.threadRoot, undefined);
    assert.ok(o.text.startsWith(e.object!.text));
    assert.ok(o.text.endsWith('\n\nIn reply to https://bsky.app/profile/did:plc:x/post/3k'));
    assert.deepEqual(o.facets.slice(0, -1), e.object!.facets, 'the other facets keep their offsets');
    const f = o.facets.at(-1)!;
    assert.deepEqual(f, { kind: 'link', start: f.start, end: f.end, url: 'https://bsky.app/profile/did:plc:x/post/3k' });
    assert.equal(o.text.slice(f.start, f.end), f.url);
    assert.ok(o.html!.endsWith('<p>In reply to <a href="https://bsky.app/profile/did:plc:x/post/3k">https://bsky.app/profile/did:plc:x/post/3k</a></p>'));
    assert.equal(e.object!.replyTo?.id, 'at://did:plc:x/app.bsky.feed.post/3k', 'the event itself is left alone');
  });

  it('without a readable address the reply still goes, without the link', () => {
    const e = eventFixture('post.created');
    e.object!.replyTo = { network: 'nostr', id: 'not hex' };
    const o = withParentLink(e, e.object!.replyTo).object!;
    assert.equal(o.text, e.object!.text);
    assert.equal(o.replyTo, undefined);
  });
});
