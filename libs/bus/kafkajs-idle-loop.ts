import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The kafkajs release whose request queue this mends (also its last release). */
export const MENDED_KAFKAJS = '2.2.4';
/** kafkajs' own pause between checks while requests wait (its CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_MS = 10;

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/**
 * kafkajs 2.2.4's request queue (one per broker connection) re-schedules its check of waiting
 * requests after every check, also when nothing waits and no throttle holds: the delay is then
 * `throttledUntil - now` with `throttledUntil = -1`, a large negative number Node runs after 1 ms.
 * So every connection of every service wakes a thousand times a second for nothing
 * (tulios/kafkajs#1556, #1704), and since Node 24 the first such timer prints a
 * TimeoutNegativeWarning (#1751). The fixes proposed there were never released.
 *
 * This replaces that one method with kafkajs' own rule minus the idle loop: a check is scheduled
 * only while requests wait (after the throttle, else after 10 ms as before) or a throttle is
 * still running. A request that waits is always put there by `push()`, which schedules this
 * check, and a fulfilled request runs the check itself, so nothing is left waiting.
 *
 * Applied once per process, before the first client connects; a kafkajs other than 2.2.4 is
 * left alone (and `kafkajs-idle-loop.test.ts` fails, so whoever upgrades looks again).
 */
export function stopKafkajsIdleLoop(): boolean {
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== MENDED_KAFKAJS) return false;
  const queue = (require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue }).prototype;
  if ((queue.scheduleCheckPendingRequests as { mended?: boolean }).mended) return true;
  const scheduleCheckPendingRequests = Object.assign(
    function (this: RequestQueue): void {
      if (this.throttleCheckTimeoutId) return; // one is due already; it re-schedules if needed
      const untilUnthrottled = this.throttledUntil - Date.now();
      if (this.pending.length === 0 && untilUnthrottled <= 0) return;
      const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_MS;
      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      }, delay);
    },
    { mended: true },
  );
  queue.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return true;
}
