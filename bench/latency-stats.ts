/**
 * Pure bookkeeping of the latency bench: the marker a post carries (so its copy is recognised
 * on any network, whatever the mapping does to the rest of the text) and the per-pair figures.
 */
import type { Network } from '../libs/events/index.js';

const LETTER: Record<Network, string> = { activitypub: 'a', atproto: 'b', nostr: 'n', solid: 's' };
const BY_LETTER = Object.fromEntries(Object.entries(LETTER).map(([n, l]) => [l, n])) as Record<string, Network>;

/** Letters and digits only: survives HTML, facets and every network's text rules unchanged. */
export function marker(run: string, source: Network, seq: number): string {
  return `pb${run}${LETTER[source]}${seq}q`;
}

export function markerPattern(run: string): RegExp {
  return new RegExp(`pb${run}([abns])(\\d+)q`, 'g');
}

export interface MarkerHit {
  marker: string;
  source: Network;
}

/** Every marker of this run in `text`. */
export function findMarkers(run: string, text: string): MarkerHit[] {
  return [...text.matchAll(markerPattern(run))].map((m) => ({ marker: m[0], source: BY_LETTER[m[1]!]! }));
}

export const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export interface PairFigures {
  sent: number;
  arrived: number;
  missing: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function pairFigures(sentAt: readonly number[], seenAt: readonly (number | undefined)[]): PairFigures {
  const lat: number[] = [];
  for (let i = 0; i < sentAt.length; i++) if (seenAt[i] !== undefined) lat.push(Math.max(0, seenAt[i]! - sentAt[i]!));
  lat.sort((a, b) => a - b);
  return {
    sent: sentAt.length,
    arrived: lat.length,
    missing: sentAt.length - lat.length,
    p50Ms: lat.length ? percentile(lat, 50) : null,
    p99Ms: lat.length ? percentile(lat, 99) : null,
    maxMs: lat.length ? lat[lat.length - 1]! : null,
  };
}

/**
 * Where each post was sent and when it was seen on each other network. `seen` is filled by the
 * watchers as copies show up; a post sent in one phase and seen in a later one still counts for
 * the phase it was sent in.
 */
export class ArrivalBook {
  readonly posts = new Map<string, { source: Network; phase: string; sentAt: number; eventId: string | undefined; seen: Partial<Record<Network, number>> }>();
  /** Copies seen before their post's send resolved (the watcher was faster than the answer). */
  private readonly early = new Map<string, Partial<Record<Network, number>>>();

  sent(m: string, source: Network, phase: string, at: number, eventId?: string): void {
    const seen = this.early.get(m) ?? {};
    this.early.delete(m);
    this.posts.set(m, { source, phase, sentAt: at, eventId, seen });
  }

  /** First sighting wins; the source's own network is never a copy. */
  seen(m: string, source: Network, on: Network, at: number): void {
    if (source === on) return;
    const p = this.posts.get(m);
    const seen = p ? p.seen : (this.early.get(m) ?? this.early.set(m, {}).get(m)!);
    if (seen[on] === undefined) seen[on] = at;
  }

  /** True when every post of `phase` was seen on every network in `targets(source)`. */
  complete(phase: string, targets: (source: Network) => readonly Network[]): boolean {
    for (const p of this.posts.values()) if (p.phase === phase && targets(p.source).some((t) => p.seen[t] === undefined)) return false;
    return true;
  }

  figures(phase: string, source: Network, target: Network): PairFigures {
    const sentAt: number[] = [];
    const seenAt: (number | undefined)[] = [];
    for (const p of this.posts.values()) {
      if (p.phase !== phase || p.source !== source) continue;
      sentAt.push(p.sentAt);
      seenAt.push(p.seen[target]);
    }
    return pairFigures(sentAt, seenAt);
  }
}
