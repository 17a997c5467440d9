import type { BridgeEvent, ObjectRef } from '../events/index.js';

export type BackfillRole = 'post' | 'root' | 'parent';

export interface PlannedItem {
  role: BackfillRole;
  event: BridgeEvent;
}

const refKey = (r: { network: string; id: string }): string => `${r.network}:${r.id}`;
const timeOf = (e: BridgeEvent): string => e.object?.publishedAt ?? e.occurredAt;

/** Oldest first; equal times by id, so the order is the same on every run. */
export function chronological(a: BridgeEvent, b: BridgeEvent): number {
  const ta = Date.parse(timeOf(a));
  const tb = Date.parse(timeOf(b));
  if (ta !== tb) return (Number.isNaN(ta) ? 0 : ta) - (Number.isNaN(tb) ? 0 : tb);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The person's newest `count` posts, oldest first. Only `post.created` events by `author` on its own
 * network: a server answering with someone else's post (or a repost) does not get it bridged as theirs.
 */
export function selectPosts(events: readonly BridgeEvent[], count: number, author: string): BridgeEvent[] {
  const byId = new Map<string, BridgeEvent>();
  for (const e of events) if (e.type === 'post.created' && e.object && e.actor.id === author && !byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()].sort(chronological).slice(-count);
}

/** The thread roots and parents the replies point at that are not among the posts themselves, in the order first needed. */
export function threadRefs(posts: readonly BridgeEvent[]): ObjectRef[] {
  const own = new Set(posts.map((p) => refKey(p.source)));
  const out = new Map<string, ObjectRef>();
  for (const p of posts) {
    for (const ref of [p.object?.threadRoot, p.object?.replyTo]) {
      if (ref && !own.has(refKey(ref)) && !out.has(refKey(ref))) out.set(refKey(ref), ref);
    }
  }
  return [...out.values()];
}

/**
 * What to publish, in order: everything oldest first, the person's posts and the thread roots and
 * parents (as fetched) their replies need, each of those placed no later than the first reply that
 * needs it (a server's clock may claim a parent is newer than its reply). The translator holds a
 * reply until its parent is seen anyway; publishing the parent first just keeps that wait short.
 */
export function planBackfill(posts: readonly BridgeEvent[], fetched: ReadonlyMap<string, BridgeEvent>): PlannedItem[] {
  const own = new Set(posts.map((p) => refKey(p.source)));
  const needed = new Map<string, PlannedItem>();
  for (const p of posts) {
    const context: Array<[BackfillRole, ObjectRef | undefined]> = [
      ['root', p.object?.threadRoot],
      ['parent', p.object?.replyTo],
    ];
    for (const [role, ref] of context) {
      const event = ref && fetched.get(refKey(ref));
      if (event && !own.has(refKey(ref)) && !needed.has(refKey(ref))) needed.set(refKey(ref), { role, event });
    }
  }
  const waiting = [...needed.values()].sort((a, b) => chronological(a.event, b.event));
  const out: PlannedItem[] = [];
  const take = (key: string): void => {
    const i = waiting.findIndex((w) => refKey(w.event.source) === key);
    if (i >= 0) out.push(...waiting.splice(i, 1));
  };
  for (const p of posts) {
    while (waiting[0] && chronological(waiting[0].event, p) <= 0) out.push(waiting.shift()!);
    for (const ref of [p.object?.threadRoot, p.object?.replyTo]) if (ref) take(refKey(ref));
    out.push({ role: 'post', event: p });
  }
  return out;
}

export { refKey as backfillRefKey };
