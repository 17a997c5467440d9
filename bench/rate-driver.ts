/**
 * Open-loop posting at a fixed rate: post i is due at i/rate seconds whatever happened to the
 * earlier ones, so a slow peer cannot slow the offered load down (a closed loop would hide
 * exactly the queueing the latency figures must show). When a network already has `maxInFlight`
 * posts unanswered, a due post is not sent and counted as such: the achieved rate is reported
 * next to the offered one.
 */
import type { Network } from '../libs/events/index.js';
import type { Poster } from './bench-people.js';

export interface DriveResult {
  offeredPerSecond: number;
  /** Posts the source peer accepted, per second of the phase. */
  acceptedPerSecond: number;
  accepted: number;
  /** Due while `maxInFlight` posts were unanswered. */
  notSent: number;
  failed: number;
  firstError?: string;
}

export interface DriveOptions {
  ratePerSecond: number;
  seconds: number;
  maxInFlight: number;
  /** The text of post `seq`. */
  text(seq: number): string;
  onAccepted(seq: number, poster: Poster, acceptedAt: number, eventId: string | undefined): void;
}

/** Drives one network's posters (round robin) for `seconds`; resolves when every post sent has answered. */
export async function drive(network: Network, posters: readonly Poster[], opts: DriveOptions): Promise<DriveResult> {
  const total = Math.round(opts.ratePerSecond * opts.seconds);
  const pending = new Set<Promise<void>>();
  let accepted = 0;
  let failed = 0;
  let notSent = 0;
  let firstError: string | undefined;
  const t0 = Date.now();
  for (let seq = 0; seq < total; ) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * opts.ratePerSecond) + 1);
    for (; seq < due; seq++) {
      if (pending.size >= opts.maxInFlight) {
        notSent++;
        continue;
      }
      const poster = posters[seq % posters.length]!;
      const s = seq;
      const p: Promise<void> = poster
        .post(opts.text(s))
        .then((r) => {
          accepted++;
          opts.onAccepted(s, poster, r.acceptedAt, r.eventId);
        })
        .catch((err: unknown) => {
          failed++;
          firstError ??= `${network}: ${err instanceof Error ? err.message : String(err)}`;
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  const elapsed = Math.max(opts.seconds, (Date.now() - t0) / 1000);
  return {
    offeredPerSecond: opts.ratePerSecond,
    acceptedPerSecond: Math.round((accepted / elapsed) * 10) / 10,
    accepted,
    notSent,
    failed,
    ...(firstError ? { firstError } : {}),
  };
}
