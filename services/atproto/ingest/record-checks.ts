/**
 * Counting of what the mapper neutralises in a record (it drops bad facets rather than refuse the
 * post): kept out of the ingest loop so that file stays about flow.
 */
import { rejectInput } from '../../../libs/observability/index.js';
import { badFacetCount } from '../mapping/index.js';

/** A post's facets whose byte offsets are out of range or split a character: counted as `bad_facet`, one each. */
export function countNeutralised(collection: string, record: unknown): void {
  if (collection !== 'app.bsky.feed.post' || typeof record !== 'object' || record === null) return;
  const r = record as { text?: unknown; facets?: unknown };
  if (typeof r.text !== 'string' || !Array.isArray(r.facets)) return;
  const bad = badFacetCount(r.text, r.facets);
  for (let i = 0; i < bad; i++) rejectInput('atproto', 'bad_facet');
}
