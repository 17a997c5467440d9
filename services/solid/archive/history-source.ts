import type { BridgeEvent, Network } from '../../../libs/events/index.js';
import type { Logger } from '../../../libs/observability/index.js';

/** One post a person made on another network, as the object map knows it. */
export interface Original {
  objectKey: string;
  network: Network;
  nativeId: string;
  url: string | null;
}

/**
 * Where the archive backfill gets the content of a person's past posts on one network. The
 * object map holds ids, not content: a source fetches the originals again and normalizes them
 * (the network adapter's own pure mapping), answering the `post.created` events it could rebuild.
 * An original it cannot get back is simply missing from the answer (counted as not found).
 */
export interface HistorySource {
  readonly network: Network;
  /** `authors`: the person's native ids on that network (only their own posts are accepted). */
  fetch(originals: Original[], authors: string[]): Promise<Map<string, BridgeEvent>>;
}

/**
 * Fetches each original through `one`, a few at a time: one past post that cannot be had is
 * logged and left out, the rest go on (the backfill counts what is missing as not found).
 */
export async function fetchEach(originals: Original[], one: (nativeId: string) => Promise<BridgeEvent | undefined>, o: { concurrency?: number; log: Logger }): Promise<Map<string, BridgeEvent>> {
  const out = new Map<string, BridgeEvent>();
  const queue = [...originals];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const id = next.nativeId;
      const event = await one(id).catch((err: unknown) => {
        o.log.warn('past post not fetched', { id, err: String(err) });
        return undefined;
      });
      if (event) out.set(id, event);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  return out;
}
