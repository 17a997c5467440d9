import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { npubEncode } from 'nostr-tools/nip19';
import { objectUrl, profileUrl } from './native-links.js';
import { safeHref } from './safe-href.js';

describe('safeHref', () => {
  it('lets http(s) through and nothing else', () => {
    assert.equal(safeHref('https://mastodon.example/@alice'), 'https://mastodon.example/@alice');
    assert.equal(safeHref('http://localhost:3000/alice/profile/card#me'), 'http://localhost:3000/alice/profile/card#me');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '/relative', '<script>', 'at://did:plc:x/app.bsky.feed.post/1'])
      assert.equal(safeHref(bad), null, bad);
  });
});

describe('native links', () => {
  const hex = 'ab'.repeat(32);
  it('links a profile on each network', () => {
    assert.equal(profileUrl('activitypub', 'https://m.example/users/a'), 'https://m.example/users/a');
    assert.equal(profileUrl('atproto', 'did:plc:abc'), 'https://bsky.app/profile/did:plc:abc');
    assert.equal(profileUrl('nostr', hex), `https://njump.me/${npubEncode(hex)}`);
    assert.equal(profileUrl('solid', 'https://pod.example/profile/card#me'), 'https://pod.example/profile/card#me');
    assert.equal(profileUrl('activitypub', 'javascript:alert(1)'), null);
    assert.equal(profileUrl('nostr', 'not-hex'), null);
  });

  it('links a post, preferring the url the bridge stored', () => {
    assert.equal(objectUrl('atproto', 'at://did:plc:abc/app.bsky.feed.post/3k2', null), 'https://bsky.app/profile/did:plc:abc/post/3k2');
    assert.equal(objectUrl('atproto', 'at://did:plc:abc/app.bsky.feed.like/3k2', null), null);
    assert.match(objectUrl('nostr', hex, null) ?? '', /^https:\/\/njump\.me\/note1/);
    assert.equal(objectUrl('nostr', hex, 'https://x.example/n'), 'https://x.example/n');
    assert.equal(objectUrl('activitypub', 'https://m.example/notes/1', null), 'https://m.example/notes/1');
  });
});
