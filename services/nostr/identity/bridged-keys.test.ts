import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lru } from '../../../libs/collections/lru.js';

describe('the bounded key cache', () => {
  it('evicts the least recently used entry and zeroes it', () => {
    const evicted: Uint8Array[] = [];
    const lru = new Lru<Uint8Array>(2, (v) => {
      v.fill(0);
      evicted.push(v);
    });
    const a = new Uint8Array([1, 1]);
    const b = new Uint8Array([2, 2]);
    const c = new Uint8Array([3, 3]);
    lru.set('a', a);
    lru.set('b', b);
    assert.equal(lru.get('a'), a); // a is now the most recent
    lru.set('c', c);
    assert.equal(lru.size, 2);
    assert.equal(lru.get('b'), undefined);
    assert.deepEqual([...b], [0, 0]);
    assert.deepEqual(evicted, [b]);
  });

  it('zeroes on replace, delete and clear', () => {
    const lru = new Lru<Uint8Array>(10, (v) => v.fill(0));
    const first = new Uint8Array([9]);
    lru.set('k', first);
    lru.set('k', new Uint8Array([8]));
    assert.equal(first[0], 0);
    const second = lru.peek('k')!;
    lru.delete('k');
    assert.equal(second[0], 0);
    const third = new Uint8Array([7]);
    lru.set('x', third);
    lru.clear();
    assert.equal(third[0], 0);
    assert.equal(lru.size, 0);
    assert.throws(() => new Lru(0), RangeError);
  });
});
