/**
 * A backfilled item's outcome, from what the translator and the adapters recorded (processed_events,
 * pending_events, the delivery ledger), not from what the job hoped. Pure: the row goes in.
 */
export type ItemOutcome = 'pending' | 'queued' | 'bridged' | 'skipped' | 'failed';

export interface ItemFacts {
  published: boolean;
  /** processed_events.outcome, when the translator decided the event. */
  decided: 'bridged' | 'dropped' | 'held' | 'invalid' | null;
  /** Delivery ledger statuses of the event, one per target. */
  deliveries: readonly string[];
  /** Still held in pending_events for some target. */
  held: boolean;
}

const IN_FLIGHT = new Set(['queued', 'failed']);
const LOST = new Set(['dead', 'gone']);

/**
 * queued: published and not decided yet, held for some network, or a delivery not final yet;
 * bridged: then a copy exists on at least one network (also when it was bridged before the
 * backfill: it is not doubled);
 * skipped: the translator dropped it (not opted in, #nobridge, not public, duplicate of an echo, …)
 * or no network can express it; failed: every delivery ended dead or gone, it was invalid, or it
 * was held for something that never came (a reply to a post whose author has not opted in).
 */
export function itemOutcome(f: ItemFacts): ItemOutcome {
  if (!f.published) return 'pending';
  if (f.held || f.deliveries.some((s) => IN_FLIGHT.has(s))) return 'queued';
  if (f.deliveries.includes('delivered')) return 'bridged';
  if (f.decided === null) return 'queued';
  if (f.decided === 'invalid' || f.deliveries.some((s) => LOST.has(s))) return 'failed';
  // Held, and no longer held nor delivered anywhere: the hold expired (dead-lettered with the reason).
  if (f.decided === 'held') return 'failed';
  return 'skipped';
}

export interface ProgressCounts {
  /** Items the job will publish: the person's posts plus the thread roots and parents fetched for them. */
  found: number;
  /** Published to the bus and not yet settled. */
  queued: number;
  bridged: number;
  skipped: number;
  failed: number;
  /** Not yet published. */
  pending: number;
}

export function countOutcomes(outcomes: readonly ItemOutcome[]): ProgressCounts {
  const c: ProgressCounts = { found: outcomes.length, queued: 0, bridged: 0, skipped: 0, failed: 0, pending: 0 };
  for (const o of outcomes) c[o]++;
  return c;
}
