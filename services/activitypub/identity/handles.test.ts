import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgedUsername, normalizeUsername } from './handles.js';

const MASTODON_REMOTE_USERNAME = /^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$/;

describe('bridged usernames', () => {
  it('follow the documented scheme per network', () => {
    assert.equal(bridgedUsername({ network: 'atproto', nativeId: 'did:plc:abc', handle: 'Alice.bsky.social' }).name, 'alice.bsky.social');
    assert.equal(bridgedUsername({ network: 'nostr', nativeId: 'a'.repeat(64), handle: 'bob@example.com' }).name, 'bob.example.com');
    assert.equal(bridgedUsername({ network: 'nostr', nativeId: 'a'.repeat(64), handle: '_@example.com' }).name, 'example.com');
    assert.match(bridgedUsername({ network: 'nostr', nativeId: 'a'.repeat(64) }).name, /^npub1[a-z0-9]{58}$/);
    assert.equal(bridgedUsername({ network: 'solid', nativeId: 'https://carol.pod.example/profile/card#me' }).name, 'carol.pod.example');
    assert.equal(bridgedUsername({ network: 'solid', nativeId: 'https://pod.example/carol/profile/card#me' }).name, 'pod.example.carol');
  });

  it('survive names other networks reject: leading/trailing _ - ~ ., case, odd characters', () => {
    for (const [raw, want] of [
      ['_alice_', '_alice_'],
      ['-alice-', '_alice_'],
      ['~alice~', '_alice_'],
      ['.alice.', '_alice_'],
      ['Al~ice', 'al-ice'],
      ['ÄLICE', 'älice'.normalize('NFKC').replace(/[^a-z0-9._-]/g, '_')],
      ['a b/c', 'a_b_c'],
    ] as const) {
      const got = normalizeUsername(raw);
      assert.equal(got, want, raw);
      assert.match(got, MASTODON_REMOTE_USERNAME, raw);
    }
  });

  it('collisions and reserved names get a stable hashed fallback', () => {
    const a = bridgedUsername({ network: 'atproto', nativeId: 'did:plc:one', handle: 'a~b.bsky.social' });
    const b = bridgedUsername({ network: 'atproto', nativeId: 'did:plc:two', handle: 'a-b.bsky.social' });
    assert.equal(a.name, b.name, 'the two collide');
    assert.notEqual(a.fallback, b.fallback);
    assert.match(a.fallback, /^a-b\.bsky\.social_[0-9a-f]{6}$/);
    assert.equal(bridgedUsername({ network: 'atproto', nativeId: 'did:plc:one', handle: 'a~b.bsky.social' }).fallback, a.fallback, 'deterministic');
    const reserved = bridgedUsername({ network: 'solid', nativeId: 'https://pontis/' });
    assert.match(reserved.name, /^pontis_[0-9a-f]{6}$/);
  });

  it('are bounded', () => {
    const long = bridgedUsername({ network: 'atproto', nativeId: 'did:plc:x', handle: `${'a'.repeat(100)}.bsky.social` });
    assert.ok(long.name.length <= 64 && long.fallback.length <= 64);
    assert.match(long.fallback, MASTODON_REMOTE_USERNAME);
  });
});
