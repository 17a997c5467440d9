import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFixture, type EventType, type OutboundCommand } from '../events/index.js';
import { ACCOUNT_LANE, laneOf } from './command-lane.js';
import { runInLanes, type Laned } from './lane-scheduler.js';

type Item = Laned & { name: string };
const item = (name: string, account: string, lane: string): Item => ({ name, account, lane });

/** Runs the items; each finishes when the test says so. Records start order and what ran together. */
function harness(items: Item[], caps = { total: 8, perAccount: 4 }) {
  const started: string[] = [];
  const finishers = new Map<string, { ok: () => void; fail: (e: Error) => void }>();
  const done = runInLanes(
    items,
    (it) =>
      new Promise<void>((ok, fail) => {
        started.push(it.name);
        finishers.set(it.name, { ok, fail });
      }),
    caps,
  );
  const tick = () => new Promise((r) => setImmediate(r));
  return { started, done, tick, finish: (n: string) => finishers.get(n)!.ok(), fail: (n: string, e: Error) => finishers.get(n)!.fail(e) };
}

describe('runInLanes', () => {
  it('runs different lanes of one account together, one lane in order', async () => {
    const h = harness([item('a1', 'A', 'x'), item('a2', 'A', 'x'), item('a3', 'A', 'y')]);
    await h.tick();
    assert.deepEqual(h.started, ['a1', 'a3'], 'a2 waits for a1 (same lane), a3 does not');
    h.finish('a1');
    await h.tick();
    assert.deepEqual(h.started, ['a1', 'a3', 'a2']);
    h.finish('a2');
    h.finish('a3');
    assert.equal(await h.done, undefined);
  });

  it('an account-wide command waits for every earlier one, and every later one waits for it', async () => {
    const h = harness([item('a1', 'A', 'x'), item('del', 'A', ACCOUNT_LANE), item('a3', 'A', 'y'), item('b1', 'B', 'x')]);
    await h.tick();
    assert.deepEqual(h.started, ['a1', 'b1']);
    h.finish('a1');
    await h.tick();
    assert.deepEqual(h.started, ['a1', 'b1', 'del']);
    h.finish('del');
    await h.tick();
    assert.deepEqual(h.started, ['a1', 'b1', 'del', 'a3']);
    h.finish('a3');
    h.finish('b1');
    assert.equal(await h.done, undefined);
  });

  it('keeps within the caps per account and in all', async () => {
    const items = [...'abcdef'].map((l) => item(`A${l}`, 'A', l)).concat([...'ab'].map((l) => item(`B${l}`, 'B', l)));
    const h = harness(items, { total: 5, perAccount: 3 });
    await h.tick();
    assert.deepEqual(h.started, ['Aa', 'Ab', 'Ac', 'Ba', 'Bb']);
    h.finish('Aa');
    await h.tick();
    assert.deepEqual(h.started.slice(5), ['Ad']);
    for (const n of ['Ab', 'Ac', 'Ad', 'Ba', 'Bb']) h.finish(n);
    await h.tick();
    for (const n of ['Ae', 'Af']) h.finish(n);
    assert.equal(await h.done, undefined);
    assert.equal(h.started.length, 8);
  });

  it('a failure stops the later commands of its account only, and is reported once all have stopped', async () => {
    const h = harness([item('a1', 'A', 'x'), item('a2', 'A', 'x'), item('a3', 'A', 'y'), item('b1', 'B', 'x'), item('b2', 'B', 'x')]);
    await h.tick();
    const boom = new Error('database away');
    h.fail('a1', boom);
    h.finish('b1');
    await h.tick();
    assert.deepEqual(h.started, ['a1', 'a3', 'b1', 'b2'], 'a2 is not started after a1 failed; B goes on');
    h.finish('a3');
    h.finish('b2');
    assert.deepEqual(await h.done, { error: boom });
  });

  it('refuses caps below 1', () => {
    assert.throws(() => runInLanes([], async () => {}, { total: 0, perAccount: 1 }), /lane caps must be at least 1/);
  });
});

describe('laneOf', () => {
  const cmd = (type: EventType, o: { id?: string; objectKey?: string } = {}): Pick<OutboundCommand, 'event' | 'as' | 'objectKey'> => ({
    event: eventFixture(type),
    as: { accountId: 'acc', mode: 'bridged', id: 'id' in o ? o.id : 'did:plc:me' },
    objectKey: o.objectKey ?? 'k1',
  });
  it('posts, edits, deletes, likes and undos go by their object key', () => {
    assert.equal(laneOf(cmd('post.created')), 'object:k1');
    assert.equal(laneOf(cmd('post.deleted')), laneOf(cmd('post.updated')));
    assert.notEqual(laneOf(cmd('reaction.added', { objectKey: 'k2' })), laneOf(cmd('post.created')));
  });
  it('follows and blocks share one lane (one replaceable list per account on Nostr), whatever their object', () => {
    assert.equal(laneOf(cmd('follow.created', { objectKey: 'k1' })), laneOf(cmd('follow.deleted', { objectKey: 'k2' })));
    assert.equal(laneOf(cmd('block.created', { objectKey: 'k3' })), laneOf(cmd('follow.created')));
  });
  it('profile updates share a lane; account deletion and a command with no identity yet are account-wide', () => {
    assert.equal(laneOf(cmd('profile.updated', { objectKey: 'k1' })), laneOf(cmd('profile.updated', { objectKey: 'k2' })));
    assert.equal(laneOf(cmd('account.deleted')), ACCOUNT_LANE);
    assert.equal(laneOf(cmd('post.created', { id: undefined })), ACCOUNT_LANE);
  });
});
