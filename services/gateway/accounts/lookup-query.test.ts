import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { npubEncode, nprofileEncode } from 'nostr-tools/nip19';
import { parseLookup } from './lookup-query.js';

const HEX = 'f'.repeat(8) + '0123456789abcdef'.repeat(3) + '01234567';

function q(text: string) {
  const r = parseLookup(text);
  assert.ok(r.ok, `${text}: ${!r.ok && r.reason}`);
  return r.query;
}

describe('parseLookup', () => {
  it('reads fediverse handles in every usual spelling, case-insensitively and as punycode', () => {
    for (const t of ['@Alice@Mastodon.Social', 'alice@mastodon.social', 'acct:alice@mastodon.social', ' @alice@mastodon.social. '])
      assert.deepEqual(q(t).handles, ['alice@mastodon.social', '@alice@mastodon.social', 'acct:alice@mastodon.social'], t);
    assert.deepEqual(q('bob@bücher.example').handles[0], 'bob@xn--bcher-kva.example');
    assert.deepEqual(q('bob@localhost:3000').handles[0], 'bob@localhost:3000');
  });

  it('reads a Bluesky handle, a DID and an at:// URI', () => {
    assert.deepEqual(q('Alice.bsky.social').handles, ['alice.bsky.social', '@alice.bsky.social']);
    assert.deepEqual(q('@alice.bsky.social').handles, ['alice.bsky.social', '@alice.bsky.social']);
    assert.deepEqual(q('did:plc:abcdefghijklmnopqrstuvwx').nativeIds, [{ network: 'atproto', id: 'did:plc:abcdefghijklmnopqrstuvwx' }]);
    assert.deepEqual(q('at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3k').nativeIds, [{ network: 'atproto', id: 'did:plc:abcdefghijklmnopqrstuvwx' }]);
    assert.deepEqual(q('at://alice.bsky.social').handles, ['alice.bsky.social', '@alice.bsky.social']);
  });

  it('reads npub, nprofile and hex keys as the same Nostr id, and NIP-05 as a handle', () => {
    const want = [{ network: 'nostr', id: HEX }];
    assert.deepEqual(q(npubEncode(HEX)).nativeIds, want);
    assert.deepEqual(q(nprofileEncode({ pubkey: HEX, relays: ['wss://r.example'] })).nativeIds, want);
    assert.deepEqual(q(HEX.toUpperCase()).nativeIds, want);
    assert.deepEqual(q('_@example.com').handles[0], '_@example.com');
  });

  it('reads an actor URL or a WebID, with and without #me', () => {
    const ids = q('https://pod.example/profile/card').nativeIds.map((n) => `${n.network} ${n.id}`);
    assert.ok(ids.includes('solid https://pod.example/profile/card#me'));
    assert.ok(ids.includes('activitypub https://pod.example/profile/card'));
  });

  it('refuses what it cannot read, saying why', () => {
    for (const [t, re] of [
      ['', /empty/],
      ['npub1qqqq', /not a valid npub/],
      ['did:plc:short', /not a valid did/],
      ['a@b@c', /not a handle/],
      ['just words', /not a handle/],
      ['alice', /not a handle/],
      ['x'.repeat(600), /longer than/],
      ['http://[bad', /not a valid URL/],
    ] as const) {
      const r = parseLookup(t);
      assert.equal(r.ok, false, t);
      assert.match(!r.ok ? r.reason : '', re, t);
    }
  });
});
