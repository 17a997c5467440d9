import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noteEncode, npubEncode } from 'nostr-tools/nip19';
import { bech32Hex } from './bech32.js';

describe('bech32Hex', () => {
  it('encodes keys and note ids exactly as nostr-tools does', () => {
    for (const hex of ['0'.repeat(64), 'f'.repeat(64), '3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d']) {
      assert.equal(bech32Hex('npub', hex), npubEncode(hex));
      assert.equal(bech32Hex('note', hex), noteEncode(hex));
    }
  });

  it('refuses what is not 32 bytes of hex', () => {
    for (const bad of ['', 'abc', 'g'.repeat(64), 'a'.repeat(66)]) assert.equal(bech32Hex('npub', bad), null);
  });
});
