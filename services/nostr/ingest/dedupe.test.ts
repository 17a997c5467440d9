import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentIds } from './dedupe.js';

describe('RecentIds (dedupe LRU)', () => {
  it('says whether an id is new', () => {
    const r = new RecentIds(10);
    assert.equal(r.add('a'), true);
    assert.equal(r.add('a'), false);
    assert.ok(r.has('a'));
  });

  it('stays bounded and evicts the least recently used', () => {
    const r = new RecentIds<number>(3);
    r.add('a', 1);
    r.add('b', 2);
    r.add('c', 3);
    assert.equal(r.get('a'), 1); // a is now the most recent
    r.add('d', 4);
    assert.equal(r.size, 3);
    assert.ok(!r.has('b'), 'b was least recently used');
    assert.ok(r.has('a') && r.has('c') && r.has('d'));
  });

  it('holds 100,000 ids without growing past its capacity', () => {
    const r = new RecentIds(1000);
    for (let i = 0; i < 100_000; i++) r.add(String(i));
    assert.equal(r.size, 1000);
    assert.ok(r.has('99999') && !r.has('98999'));
  });

  it('refuses a nonsense capacity', () => {
    assert.throws(() => new RecentIds(0));
  });
});
