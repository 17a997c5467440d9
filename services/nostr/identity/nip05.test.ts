import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nip05Document, nip05Handle, parseNip05Query } from './nip05.js';

const PK = '3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d';

describe('NIP-05 query and document', () => {
  it('accepts the NIP-05 alphabet case-insensitively and answers under the name as asked', () => {
    assert.deepEqual(parseNip05Query('alice_at_example.social'), { ok: true, key: 'alice_at_example.social', lookup: 'alice_at_example.social' });
    // nostr-tools queryProfile reads json.names[<name it sent>], so the key keeps the client's case.
    assert.deepEqual(parseNip05Query('Alice_at_Example.social'), { ok: true, key: 'Alice_at_Example.social', lookup: 'alice_at_example.social' });
    assert.deepEqual(parseNip05Query('_'), { ok: true, key: '_', lookup: '_' });
  });

  it('refuses missing, repeated, structured, oversized and out-of-alphabet names', () => {
    for (const bad of [undefined, '', ['a', 'b'], { a: '1' }, 'a'.repeat(65), 'a b', 'a@b', 'ü', 'a/b', '%2e', 'a+b']) {
      const r = parseNip05Query(bad);
      assert.equal(r.ok, false, JSON.stringify(bad));
      assert.ok(!r.ok && r.reason.length > 0);
    }
  });

  it('builds names and relays; an unknown name is an empty document', () => {
    assert.deepEqual(nip05Document('bob', PK, ['wss://relay.example']), { names: { bob: PK }, relays: { [PK]: ['wss://relay.example'] } });
    assert.deepEqual(nip05Document('bob', PK, []), { names: { bob: PK }, relays: {} });
    assert.deepEqual(nip05Document('bob', null, ['wss://relay.example']), { names: {}, relays: {} });
  });

  it('stores handles as the full lowercase address', () => {
    assert.equal(nip05Handle('alice_at_example.social', 'Bridge.Example'), 'alice_at_example.social@bridge.example');
  });
});
