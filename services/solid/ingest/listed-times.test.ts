import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { versionTimes } from './listed-times.js';

describe('listed modification times that name a version', () => {
  it('a listing to the millisecond: every member, also one whose time falls on a whole second', () => {
    const listed = new Map([
      ['https://pod.example/a', '2026-11-27T01:05:35.000Z'],
      ['https://pod.example/b', '2026-11-27T01:05:35.417Z'],
    ]);
    assert.deepEqual(versionTimes(listed), listed);
  });

  it('a listing of whole seconds, with or without a zero fraction: none (two writes in a second look alike)', () => {
    assert.equal(versionTimes(new Map([['a', '2026-11-27T01:05:35Z'], ['b', '2026-11-27T01:05:36Z']])).size, 0);
    assert.equal(versionTimes(new Map([['a', '2026-11-27T01:05:35.000Z'], ['b', '2026-11-27T01:05:36.000+00:00']])).size, 0);
  });

  it('a lone member on a round time is not enough to say the server keeps milliseconds', () => {
    assert.equal(versionTimes(new Map([['a', '2026-11-27T01:05:35.000Z']])).size, 0);
  });

  it('a value that is not a time is left out; the others stand', () => {
    const t = versionTimes(new Map([['a', 'yesterday'], ['b', '2026-11-27T01:05:35.120Z'], ['c', '2026-13-45T99:05:35.120Z']]));
    assert.deepEqual([...t.keys()], ['b']);
  });

  it('an empty listing: nothing', () => {
    assert.equal(versionTimes(new Map()).size, 0);
  });
});
