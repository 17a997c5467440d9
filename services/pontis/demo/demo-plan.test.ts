import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../libs/testing/index.js';
import { chooseAction, demoText, nextDelayMs, pick } from './demo-plan.js';

describe('demo plan', () => {
  it('waits about the interval, jittered by at most half of it either way', () => {
    assert.equal(nextDelayMs(() => 0, 20_000), 10_000);
    assert.equal(nextDelayMs(() => 0.5, 20_000), 20_000);
    assert.equal(nextDelayMs(() => 0.999, 20_000), 29_980);
  });

  it('only posts until it can see someone else, then also replies and likes', () => {
    assert.equal(chooseAction(() => 0.9, false), 'post');
    assert.deepEqual([0.1, 0.6, 0.9].map((r) => chooseAction(() => r, true)), ['post', 'reply', 'like']);
    const random = seededRandom(7);
    const counts = { post: 0, reply: 0, like: 0 };
    for (let i = 0; i < 1000; i++) counts[chooseAction(random, true)]++;
    assert.ok(counts.post > 400 && counts.reply > 180 && counts.like > 180, JSON.stringify(counts));
  });

  it('picks from a list, never past its end, and writes distinct texts', () => {
    assert.equal(pick(() => 0.9999999, ['a', 'b']), 'b');
    assert.equal(pick(() => 0, []), undefined);
    assert.notEqual(demoText(() => 0, 'post', 1), demoText(() => 0, 'post', 2));
    assert.match(demoText(() => 0, 'reply', 3), /\(demo 3\)$/);
  });
});
