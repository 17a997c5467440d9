import type { Firehose } from '@atproto/sync';

/**
 * Makes a Firehose read its next frame only when `room()` says so. The Firehose hands each frame
 * to its runner without awaiting it (@atproto/sync 0.4: `runner.trackEvent(...)` unawaited in
 * `start()`), so by itself it reads as fast as the socket delivers and a slow consumer queues
 * without bound. Gating the subscription it iterates stops the reading instead; the WebSocket
 * client (@atproto/ws-client) then pauses the socket once its buffer passes 1 MB, and the TCP
 * window tells the relay (which drops a consumer that stays too slow: `ConsumerTooSlow`; we
 * reconnect from the saved cursor and lose nothing).
 *
 * The subscription is a private field of Firehose: if a version renames it, this throws at start
 * (and the ingest test of bounded memory fails) rather than silently losing the bound.
 */
export function readOnlyWhenRoom(firehose: Firehose, room: () => Promise<void>): void {
  const holder = firehose as unknown as { sub?: AsyncIterable<unknown> };
  const sub = holder.sub;
  if (!sub || typeof sub[Symbol.asyncIterator] !== 'function') throw new Error('@atproto/sync Firehose has no `sub` subscription to gate: backpressure needs updating for this version');
  holder.sub = {
    [Symbol.asyncIterator](): AsyncIterator<unknown> {
      const it = sub[Symbol.asyncIterator]();
      return {
        async next() {
          await room();
          return it.next();
        },
        return: (value?: unknown) => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value })),
        throw: (err?: unknown) => (it.throw ? it.throw(err) : Promise.reject(err)),
      };
    },
  };
}
