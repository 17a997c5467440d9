import type { BridgeEvent, Network } from '../../../libs/events/index.js';

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
