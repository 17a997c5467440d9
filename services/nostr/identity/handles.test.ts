import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NIP05_NAME_MAX, USERNAME_MAX } from './constants.js';
import { bridgedNip05Name, isValidNip05Name, nostrHandleFor, npubFingerprint, readBridgedName, type BridgedSource } from './handles.js';

const ap = (handle: string | null, nativeId = `https://example.net/users/${Math.random()}`): BridgedSource => ({ network: 'activitypub', handle, nativeId });
const PK = '3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d';
const AT_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

describe('bridged identities → NIP-05 names', () => {
  it('ActivityPub: <user>_at_<host>, as Mostr and momostr spell it, and back', () => {
    const { name, exact } = bridgedNip05Name(ap('@Gargron@Mastodon.Social'));
    assert.equal(name, 'gargron_at_mastodon.social');
    assert.equal(exact, true);
    assert.deepEqual(readBridgedName(name), { network: 'activitypub', handle: 'gargron@mastodon.social' });
    assert.equal(bridgedNip05Name(ap('acct:alice@example.social')).name, 'alice_at_example.social');
    assert.equal(bridgedNip05Name(ap('alice@example.social')).name, 'alice_at_example.social');
  });

  it('keeps leading and trailing underscores (valid usernames) and reads them back', () => {
    const { name } = bridgedNip05Name(ap('_alice_@example.social'));
    assert.equal(name, '_alice__at_example.social');
    assert.deepEqual(readBridgedName(name), { network: 'activitypub', handle: '_alice_@example.social' });
    assert.deepEqual(readBridgedName(bridgedNip05Name(ap('john_at_home@example.social')).name), { network: 'activitypub', handle: 'john_at_home@example.social' });
  });

  it('maps ~, edge dots and dashes, unicode; a lossy name carries a hash of the native id', () => {
    for (const [handle, prefix] of [
      ['~bob@example.social', 'bob_at_example.social_'],
      ['.bob.@example.social', 'bob_at_example.social_'],
      ['-bob-@example.social', 'bob_at_example.social_'],
      ['a..b@example.social', 'a.b_at_example.social_'],
      ['José@example.social', 'jose_at_example.social_'],
      ['Ærøskøbing@example.social', 'aeroskobing_at_example.social_'],
      ['日本@example.social', 'user_at_example.social_'],
      ['a b+c@example.social', 'a-b-c_at_example.social_'],
    ] as const) {
      const { name, exact } = bridgedNip05Name(ap(handle));
      assert.ok(name.startsWith(prefix), `${handle} → ${name}`);
      assert.match(name, /_[0-9a-f]{8}$/);
      assert.equal(exact, false);
      assert.equal(readBridgedName(name), null, 'hashed names are looked up, not parsed');
    }
  });

  it('IDN hosts become punycode and stay exact', () => {
    const { name, exact } = bridgedNip05Name(ap('anna@münchen.social'));
    assert.equal(name, 'anna_at_xn--mnchen-3ya.social');
    assert.equal(exact, true);
  });

  it('is deterministic, and distinct ids that fold alike get distinct names', () => {
    const a = bridgedNip05Name(ap('José@example.social', 'https://example.social/users/1'));
    const b = bridgedNip05Name(ap('Jose!@example.social', 'https://example.social/users/2'));
    assert.deepEqual(a, bridgedNip05Name(ap('José@example.social', 'https://example.social/users/1')));
    assert.notEqual(a.name, b.name);
  });

  it('collisions on exact names fall back to a longer hash, always different from the name', () => {
    // Case-sensitive servers can have Alice and alice: same name, the fallback separates them.
    const upper = bridgedNip05Name(ap('Alice@example.social', 'https://example.social/users/Alice'));
    const lower = bridgedNip05Name(ap('alice@example.social', 'https://example.social/users/alice'));
    assert.equal(upper.name, lower.name);
    assert.notEqual(upper.fallback, lower.fallback);
    assert.match(upper.fallback, /^alice_at_example\.social_[0-9a-f]{16}$/);
    assert.notEqual(upper.fallback, upper.name);
  });

  it('bounds the length, shortening the user part first to keep the host', () => {
    const long = bridgedNip05Name(ap(`${'a'.repeat(200)}@example.social`));
    assert.equal(long.name.length, NIP05_NAME_MAX);
    assert.match(long.name, /^a+_at_example\.social_[0-9a-f]{8}$/);
    const hugeHost = bridgedNip05Name(ap(`bob@${'h'.repeat(70)}.example`));
    assert.ok(hugeHost.name.length <= NIP05_NAME_MAX);
    assert.ok(hugeHost.fallback.length <= NIP05_NAME_MAX);
  });

  it('AT Protocol: the handle as it is; the DID when the handle is invalid', () => {
    assert.deepEqual(bridgedNip05Name({ network: 'atproto', handle: 'Alice.bsky.social', nativeId: 'did:plc:abc' }).name, 'alice.bsky.social');
    assert.deepEqual(readBridgedName('alice.bsky.social'), { network: 'atproto', handle: 'alice.bsky.social' });
    const invalid = bridgedNip05Name({ network: 'atproto', handle: 'handle.invalid', nativeId: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz' });
    assert.equal(invalid.name, 'did-plc-ewvi7nxzyoun6zhxrhs64oiz');
    assert.deepEqual(readBridgedName(invalid.name), { network: 'atproto', did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz' });
    assert.equal(bridgedNip05Name({ network: 'atproto', handle: null, nativeId: 'did:web:example.com' }).name, 'did-web-example.com');
  });

  it('Solid: host-based, marked _solid; odd WebIDs are hashed', () => {
    const sub = bridgedNip05Name({ network: 'solid', nativeId: 'https://Alice.SolidCommunity.net/profile/card#me' });
    assert.equal(sub.name, 'alice.solidcommunity.net_solid');
    assert.deepEqual(readBridgedName(sub.name), { network: 'solid', webId: 'https://alice.solidcommunity.net/profile/card#me' });
    const path = bridgedNip05Name({ network: 'solid', nativeId: 'https://solidweb.org/alice/profile/card#me' });
    assert.equal(path.name, 'alice_at_solidweb.org_solid');
    assert.deepEqual(readBridgedName(path.name), { network: 'solid', webId: 'https://solidweb.org/alice/profile/card#me' });
    assert.match(bridgedNip05Name({ network: 'solid', nativeId: 'http://localhost:3000/alice/profile/card#me' }).name, /^alice_at_localhost-3000_solid_[0-9a-f]{8}$/);
    assert.match(bridgedNip05Name({ network: 'solid', nativeId: 'https://example.org/people/bob#i' }).name, /^example\.org_solid_[0-9a-f]{8}$/);
    assert.throws(() => bridgedNip05Name({ network: 'solid', nativeId: 'urn:x:y' }), /http/);
  });

  it('the three namespaces never produce the same exact name', () => {
    const names = [
      bridgedNip05Name(ap('alice@bsky.social')).name,
      bridgedNip05Name({ network: 'atproto', handle: 'alice.bsky.social', nativeId: 'did:plc:a' }).name,
      bridgedNip05Name({ network: 'solid', nativeId: 'https://alice.bsky.social/profile/card#me' }).name,
      bridgedNip05Name({ network: 'solid', nativeId: 'https://bsky.social/alice/profile/card#me' }).name,
    ];
    assert.equal(new Set(names).size, names.length, names.join(' '));
  });

  it('every name from nasty input is valid NIP-05 syntax, never the root name', () => {
    const nasty = ['_', '__', '-', '~', '.', '...', '@', 'Ω@Ω', '\u202e@x.y', '👩‍👩‍👧@example.social', 'a'.repeat(1000) + '@b.c', 'x@' + 'y.'.repeat(100) + 'z', '  spaced @ host.example '];
    for (const handle of nasty) {
      const src = ap(handle, `https://example.net/${encodeURIComponent(handle)}`);
      for (const n of Object.values(bridgedNip05Name(src)).filter((v) => typeof v === 'string') as string[]) {
        assert.ok(isValidNip05Name(n), `${JSON.stringify(handle)} → ${n}`);
        assert.notEqual(n, '_');
      }
    }
    assert.throws(() => bridgedNip05Name(ap('no-at-sign', 'not a url')), /handle/);
  });
});

describe('Nostr people → names on the other networks', () => {
  it('a verified NIP-05 first; the root name shows as the bare domain', () => {
    assert.deepEqual(nostrHandleFor({ pubkey: PK, verifiedNip05: 'Bob@Example.com', name: 'ignored' }), {
      username: 'bob.example.com',
      fallback: `bob.example.com-${npubFingerprint(PK, 16)}`,
      display: 'bob@example.com',
      source: 'nip05',
    });
    const root = nostrHandleFor({ pubkey: PK, verifiedNip05: '_@example.com' });
    assert.equal(root.username, 'example.com');
    assert.equal(root.display, 'example.com');
    assert.equal(nostrHandleFor({ pubkey: PK, verifiedNip05: 'example.com' }).display, 'example.com');
  });

  it('else the kind-0 name plus an npub fingerprint, never the hex key', () => {
    const h = nostrHandleFor({ pubkey: PK, name: 'Ælfrida ✨ the Great!!' });
    assert.equal(h.username, `aelfrida-the-great-${npubFingerprint(PK)}`);
    assert.equal(h.display, 'Ælfrida ✨ the Great!!');
    assert.match(npubFingerprint(PK), /^npub1[02-9ac-hj-np-z]{8}$/);
    const bare = nostrHandleFor({ pubkey: PK, name: '🌸🌸' });
    assert.equal(bare.username, npubFingerprint(PK));
    assert.equal(bare.source, 'npub');
    for (const v of [h, bare, nostrHandleFor({ pubkey: PK })]) assert.ok(!v.username.includes(PK) && !v.fallback.includes(PK.slice(0, 16)));
  });

  it('an unusable NIP-05 falls through to the name', () => {
    assert.equal(nostrHandleFor({ pubkey: PK, verifiedNip05: 'bob+x@example.com', name: 'Bob' }).source, 'name');
    assert.equal(nostrHandleFor({ pubkey: PK, verifiedNip05: 'bob@localhost', name: 'Bob' }).source, 'name');
  });

  it('strips control and bidi-override characters from what it shows', () => {
    const h = nostrHandleFor({ pubkey: PK, name: '\u202eevil\u0000' });
    assert.equal(h.display, 'evil');
    assert.equal(h.username, `evil-${npubFingerprint(PK)}`);
  });

  it('usernames are valid AT handle labels and ActivityPub usernames, bounded', () => {
    const inputs = [
      { pubkey: PK, verifiedNip05: `${'x'.repeat(60)}@example.com` },
      { pubkey: PK, verifiedNip05: '_under_score_@sub.example.com' },
      { pubkey: PK, name: '--Leading and trailing--' },
      { pubkey: PK, name: 'dots...in.name' },
      { pubkey: PK, name: 'x'.repeat(500) },
    ];
    for (const p of inputs) {
      const h = nostrHandleFor(p);
      for (const u of [h.username, h.fallback]) {
        assert.ok(u.length <= USERNAME_MAX, u);
        assert.match(u, AT_LABEL);
      }
    }
    assert.throws(() => nostrHandleFor({ pubkey: 'npub1abc' }), /hex/);
  });
});
