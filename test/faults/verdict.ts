/**
 * Pure: which targets each source event must reach, and the verdict from the copies counted on
 * the peers (missing = lost, more than one = doubled).
 */
import type { Network } from '../../libs/events/networks.js';
import type { ActionKind } from './mix.js';

export interface CountedEvent {
  seq: number;
  network: Network;
  kind: ActionKind;
  atMs: number;
}

/**
 * Where a copy of the action is checked. Posts and replies: every other network. Likes: only where
 * the liked post's copy has an owner on the peer (a Nostr like becomes a Bluesky like record and
 * the reverse). Reposts: the other of Nostr/Bluesky, and the fediverse observer's inbox (an
 * Announce to the reposter's followers). Solid's likes and reposts are not counted in this run.
 */
export function expectedTargets(e: Pick<CountedEvent, 'network' | 'kind'>): Network[] {
  const others = (['nostr', 'atproto', 'activitypub', 'solid'] as Network[]).filter((n) => n !== e.network);
  if (e.kind === 'post' || e.kind === 'reply') return others;
  const mirror: Network | undefined = e.network === 'nostr' ? 'atproto' : e.network === 'atproto' ? 'nostr' : undefined;
  if (!mirror) return [];
  return e.kind === 'like' ? [mirror] : [mirror, 'activitypub'];
}

export interface TargetVerdict {
  expected: number;
  delivered: number;
  missing: number;
  doubled: number;
  /** A few seqs of each problem, for the report. */
  missingSeqs: number[];
  doubledSeqs: number[];
}

export interface Verdict {
  perTarget: Partial<Record<Network, TargetVerdict>>;
  lost: number;
  doubled: number;
  /** Copies found for events this run never sent (a marker or subject it does not know). */
  strays: number;
}

/** `copies.get(seq)?.[target]`: how many copies of event `seq` the peer of `target` holds. */
export function verdict(events: CountedEvent[], copies: Map<number, Partial<Record<Network, number>>>, strays = 0): Verdict {
  const perTarget: Partial<Record<Network, TargetVerdict>> = {};
  let lost = 0;
  let doubled = 0;
  for (const e of events) {
    for (const t of expectedTargets(e)) {
      const v = (perTarget[t] ??= { expected: 0, delivered: 0, missing: 0, doubled: 0, missingSeqs: [], doubledSeqs: [] });
      const n = copies.get(e.seq)?.[t] ?? 0;
      v.expected++;
      if (n === 0) {
        v.missing++;
        lost++;
        if (v.missingSeqs.length < 10) v.missingSeqs.push(e.seq);
      } else {
        v.delivered++;
        if (n > 1) {
          v.doubled++;
          doubled++;
          if (v.doubledSeqs.length < 10) v.doubledSeqs.push(e.seq);
        }
      }
    }
  }
  return { perTarget, lost, doubled, strays };
}

/** The seq in a marker `fx<run>e<seq>z` of this run, or undefined. */
export function markerSeq(text: string, runTag: string): number | undefined {
  const m = new RegExp(`fx${runTag}e(\\d+)z`).exec(text);
  return m ? Number(m[1]) : undefined;
}
