import type { BridgeEvent, Network, ObjectRef } from '../events/index.js';

/**
 * What one adapter answers for a backfill: the person's own recent posts from their home server,
 * and single posts by id (the thread roots and parents their replies point at). Every answer is a
 * `post.created` made by that adapter's own inbound mapper, the code path live ingest takes, so the
 * event ids are the ones live ingest gives: what was bridged already is a duplicate to the translator.
 */
export interface BackfillSource {
  readonly network: Network;
  /**
   * Up to `count` of the newest public posts `nativeId` made, in any order. Throws when the home
   * server cannot be reached (the job is retried); a post that cannot be mapped is left out.
   */
  latestPosts(nativeId: string, count: number): Promise<BridgeEvent[]>;
  /** One post by its ref on this network, or undefined when its server does not have it (any more). */
  post(ref: ObjectRef): Promise<BridgeEvent | undefined>;
}
