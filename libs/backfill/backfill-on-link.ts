import type { DataSource } from 'typeorm';
import type { Network } from '../events/index.js';
import { createLogger } from '../observability/index.js';
import { parseBackfillCount, startBackfill, type BackfillJob } from './backfill-jobs.js';

const log = createLogger('backfill');

/**
 * A link request's optional `backfill`: a count (or `true` for the default). Checked before the
 * link is made, so a bad value is a 400 and nothing is linked.
 */
export function linkBackfillCount(raw: unknown): { ok: true; count?: number } | { ok: false; reason: string } {
  if (raw === undefined || raw === false) return { ok: true };
  return parseBackfillCount(raw);
}

/** Starts the backfill a link asked for, once the link succeeded; the link stands even if this cannot start. */
export async function backfillAfterLink(db: DataSource, accountId: string, network: Network, count: number | undefined): Promise<BackfillJob | null> {
  if (count === undefined) return null;
  const started = await startBackfill(db, { accountId, network, count });
  if (started.ok) return started.job;
  log.warn('backfill asked for at link not started', { network, reason: started.reason });
  return null;
}
