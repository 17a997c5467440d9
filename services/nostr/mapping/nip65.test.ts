import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RELAYS_PER_AUTHOR, newestPerAuthor, readRelaysOf, writeRelaysOf } from './nip65.js';
import type { NostrEvent } from './nostr-protocol.js';

const list = (tags: string[][]) => ({ tags });

describe('NIP-65 relay lists', () => {
  it('an unmarked relay is both read and write; marked ones only their side', () => {
    const e = list([['r', 'wss://both.example/'], ['r', 'wss://Read.Example', 'read'], ['r', 'wss://write.example', 'write'], ['p', 'x']]);
    assert.deepEqual(readRelaysOf(e), ['wss://both.example', 'wss://read.example']);
    assert.deepEqual(writeRelaysOf(e), ['wss://both.example', 'wss://write.example']);
  });

  it('drops what is not a plain ws(s) URL, duplicates and unknown markers, and caps the list', () => {
    const e = list([['r', 'https://web.example'], ['r', 'wss://u:p@creds.example'], ['r', 'wss://a.example'], ['r', 'wss://a.example/'], ['r', 'wss://odd.example', 'inbox']]);
    assert.deepEqual(readRelaysOf(e), ['wss://a.example']);
    const many = list(Array.from({ length: 50 }, (_, i) => ['r', `wss://r${i}.example`]));
    assert.equal(readRelaysOf(many).length, MAX_RELAYS_PER_AUTHOR);
  });

  it('the newest list per author wins, a tie goes to the lowest id', () => {
    const ev = (pubkey: string, created_at: number, id: string) => ({ pubkey, created_at, id, kind: 10002, tags: [], content: '', sig: '' }) as NostrEvent;
    const newest = newestPerAuthor([ev('a', 1, 'b1'), ev('a', 2, 'b2'), ev('a', 2, 'a2'), ev('b', 5, 'x')]);
    assert.equal(newest.get('a')!.id, 'a2');
    assert.equal(newest.get('b')!.id, 'x');
  });
});
