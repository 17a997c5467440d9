import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFixture, type BridgeEvent, type ObjectRef } from '../events/index.js';
import { planBackfill, selectPosts, threadRefs } from './backfill-plan.js';
import { countOutcomes, itemOutcome } from './backfill-progress.js';

const ALICE = 'did:plc:alice';

function post(n: number, o: { actor?: string; replyTo?: ObjectRef; root?: ObjectRef } = {}): BridgeEvent {
  const e = eventFixture('post.created');
  const actor = o.actor ?? ALICE;
  e.source = { network: 'atproto', id: `at://${actor}/app.bsky.feed.post/${n}` };
  e.id = `atproto:${e.source.id}`;
  e.actor = { network: 'atproto', id: actor };
  e.object!.publishedAt = new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();
  e.object!.replyTo = o.replyTo;
  e.object!.threadRoot = o.root;
  return e;
}

describe('backfill plan', () => {
  it('keeps the newest N of the person’s own posts, oldest first, once each', () => {
    const mine = [post(3), post(1), post(4), post(2)];
    const other = post(5, { actor: 'did:plc:bob' });
    const chosen = selectPosts([...mine, other, mine[0]!], 3, ALICE);
    assert.deepEqual(chosen.map((e) => e.object!.publishedAt.slice(14, 16)), ['02', '03', '04']);
  });

  it('places the thread root and parent a reply needs in time order, and never after that reply', () => {
    const root = post(1, { actor: 'did:plc:bob' });
    const parent = post(2, { actor: 'did:plc:carol', replyTo: root.source, root: root.source });
    const mine = [post(3), post(4, { replyTo: parent.source, root: root.source }), post(5, { replyTo: parent.source, root: root.source })];
    assert.deepEqual(threadRefs(mine).map((r) => r.id), [root.source.id, parent.source.id]);
    const fetched = new Map([root, parent].map((e) => [`${e.source.network}:${e.source.id}`, e]));
    const plan = planBackfill(mine, fetched);
    assert.deepEqual(plan.map((p) => [p.role, p.event.id]), [
      ['root', root.id],
      ['parent', parent.id],
      ['post', mine[0]!.id],
      ['post', mine[1]!.id],
      ['post', mine[2]!.id],
    ]);
    // A parent whose server claims a later time than the reply still comes first.
    const late = post(9, { actor: 'did:plc:dave' });
    const replyToLate = post(6, { replyTo: late.source, root: late.source });
    const plan2 = planBackfill([mine[0]!, replyToLate], new Map([[`atproto:${late.source.id}`, late]]));
    assert.deepEqual(plan2.map((p) => p.event.id), [mine[0]!.id, late.id, replyToLate.id]);
  });

  it('does not fetch what is among the posts, and leaves out a root that could not be fetched', () => {
    const first = post(1);
    const reply = post(2, { replyTo: first.source, root: first.source });
    const orphan = post(3, { replyTo: { network: 'atproto', id: 'at://did:plc:gone/app.bsky.feed.post/x' } });
    assert.deepEqual(threadRefs([first, reply, orphan]).map((r) => r.id), ['at://did:plc:gone/app.bsky.feed.post/x']);
    assert.deepEqual(planBackfill([first, reply, orphan], new Map()).map((p) => p.role), ['post', 'post', 'post']);
  });
});

describe('backfill progress', () => {
  it('counts outcomes from what the translator and adapters recorded', () => {
    const outcomes = [
      itemOutcome({ published: false, decided: null, deliveries: [], held: false }),
      itemOutcome({ published: true, decided: null, deliveries: [], held: false }),
      itemOutcome({ published: true, decided: 'bridged', deliveries: ['delivered', 'dead'], held: false }),
      itemOutcome({ published: true, decided: 'bridged', deliveries: ['delivered', 'queued'], held: false }),
      itemOutcome({ published: true, decided: 'held', deliveries: [], held: true }),
      itemOutcome({ published: true, decided: 'dropped', deliveries: [], held: false }),
      itemOutcome({ published: true, decided: 'bridged', deliveries: ['dead', 'gone'], held: false }),
      itemOutcome({ published: true, decided: 'bridged', deliveries: ['skipped'], held: false }),
      itemOutcome({ published: true, decided: 'bridged', deliveries: ['failed'], held: false }),
      itemOutcome({ published: true, decided: 'held', deliveries: [], held: false }),
    ];
    assert.deepEqual(outcomes, ['pending', 'queued', 'bridged', 'queued', 'queued', 'skipped', 'failed', 'skipped', 'queued', 'failed']);
    assert.deepEqual(countOutcomes(outcomes), { found: 10, queued: 4, bridged: 1, skipped: 2, failed: 2, pending: 1 });
  });
});
