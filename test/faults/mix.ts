/**
 * The mix of actions in a fault stream, as a pure function of a random number: mostly posts, then
 * replies, likes and reposts, like a real timeline. Likes and reposts only where this run counts
 * their copies (Nostr and Bluesky) and only when there is someone else's post to point at.
 */
import type { Network } from '../../libs/events/networks.js';

export const ACTION_KINDS = ['post', 'reply', 'like', 'repost'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** Cumulative shares: 50 % posts, 20 % replies, 15 % likes, 15 % reposts. */
const SHARES: Array<[ActionKind, number]> = [
  ['post', 0.5],
  ['reply', 0.7],
  ['like', 0.85],
  ['repost', 1],
];

export const REACTS_ON: ReadonlySet<Network> = new Set(['nostr', 'atproto']);

export function pickAction(r: number, network: Network, hasPosts: boolean, hasOthersPosts: boolean): ActionKind {
  const kind = SHARES.find(([, upTo]) => r < upTo)?.[0] ?? 'post';
  if (kind === 'reply' && !hasPosts) return 'post';
  if ((kind === 'like' || kind === 'repost') && (!REACTS_ON.has(network) || !hasOthersPosts)) return hasPosts ? 'reply' : 'post';
  return kind;
}

/** A small seeded generator (mulberry32), so a run's mix can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
