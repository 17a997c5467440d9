import type { DataSource, EntityManager } from 'typeorm';
import { isNetwork, NETWORKS, type Network } from '../events/index.js';
import { countOutcomes, itemOutcome, type ItemOutcome, type ProgressCounts } from './backfill-progress.js';

/** How many posts one request may ask for: enough for a profile's recent history, small enough to be gentle with home servers. */
export const BACKFILL_MAX_COUNT = 200;
/** What a request (or a link with `backfill: true`) gets when it names no count. */
export const BACKFILL_DEFAULT_COUNT = 20;

export type BackfillState = 'queued' | 'running' | 'done' | 'failed';

export interface BackfillJob extends ProgressCounts {
  id: string;
  accountId: string;
  network: Network;
  nativeId: string;
  count: number;
  state: BackfillState;
  /** done and nothing still in flight (every item bridged, skipped or failed). */
  settled: boolean;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BackfillItemView {
  seq: number;
  role: string;
  eventId: string;
  outcome: ItemOutcome;
  reason: string | null;
}

export type StartBackfillResult =
  | { ok: true; job: BackfillJob; created: boolean }
  | { ok: false; status: 400 | 404 | 409; reason: string };

/** Checks a requested count: absent is the default; anything else must be a whole number in 1..max. */
export function parseBackfillCount(raw: unknown): { ok: true; count: number } | { ok: false; reason: string } {
  if (raw === undefined || raw === null || raw === true) return { ok: true, count: BACKFILL_DEFAULT_COUNT };
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > BACKFILL_MAX_COUNT)
    return { ok: false, reason: `backfill count must be a whole number from 1 to ${BACKFILL_MAX_COUNT}` };
  return { ok: true, count: raw };
}

type Db = DataSource | EntityManager;

/** UPDATE … RETURNING answers [rows, affected] through TypeORM's postgres driver; INSERT/SELECT answer rows. */
function rowsOf<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (Array.isArray(r[0]) ? r[0] : r) as T[];
}

/**
 * Starts (or finds) the backfill of one person's last `count` posts on `network` (their native
 * identity there; may be omitted when they linked exactly one network). Idempotent: while a job for
 * the same account and network is queued or running, that job is the answer (`created: false`).
 * The adapter process of that network picks it up (BackfillRunner). Called by the REST API, by link
 * flows given `backfill: N`, and by whatever else opts a person in.
 */
export async function startBackfill(db: Db, o: { accountId: string; network?: Network | string; count?: unknown }): Promise<StartBackfillResult> {
  const count = parseBackfillCount(o.count);
  if (!count.ok) return { ok: false, status: 400, reason: count.reason };
  if (o.network !== undefined && !isNetwork(o.network)) return { ok: false, status: 400, reason: `network must be one of ${NETWORKS.join(', ')}` };
  const accounts: { consent: string; status: string }[] = await db.query(`SELECT consent, status FROM accounts WHERE id = $1`, [o.accountId]);
  const account = accounts[0];
  if (!account) return { ok: false, status: 404, reason: `no account with id ${o.accountId}` };
  if (account.status !== 'active') return { ok: false, status: 409, reason: `the account is ${account.status.replace('_', ' ')}` };
  if (account.consent !== 'opted_in') return { ok: false, status: 409, reason: 'the account has not opted in to bridging' };
  const natives: { network: Network; native_id: string }[] = await db.query(
    `SELECT network, native_id FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY verified_at DESC NULLS LAST, created_at`,
    [o.accountId],
  );
  const networks = [...new Set(natives.map((n) => n.network))];
  const network = (o.network as Network | undefined) ?? (networks.length === 1 ? networks[0] : undefined);
  if (!network) return { ok: false, status: 400, reason: natives.length ? `this account has native identities on ${networks.join(', ')}: name the network to backfill from` : 'this account has no linked native identity to backfill from' };
  const native = natives.find((n) => n.network === network);
  if (!native) return { ok: false, status: 409, reason: `this account has no linked ${network} identity: link it first` };
  const inserted: { id: string }[] = await db.query(
    `INSERT INTO backfill_jobs (account_id, network, native_id, count) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id, network) WHERE state IN ('queued','running') DO NOTHING RETURNING id`,
    [o.accountId, network, native.native_id, count.count],
  );
  const id = inserted[0]?.id ?? (await db.query(`SELECT id FROM backfill_jobs WHERE account_id = $1 AND network = $2 AND state IN ('queued','running')`, [o.accountId, network]))[0]?.id;
  // The live job finished between the two statements: ask once more (a new one can be inserted now).
  if (!id) return startBackfill(db, o);
  const [job] = await backfillJobs(db, { ids: [id] });
  return { ok: true, job: job!, created: Boolean(inserted[0]) };
}

interface JobRow {
  id: string;
  account_id: string;
  network: Network;
  native_id: string;
  count: number;
  state: BackfillState;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

interface ItemRow {
  job_id: string;
  seq: number;
  role: string;
  event_id: string;
  published: boolean;
  decided: ItemFacts['decided'];
  reason: string | null;
  deliveries: string[] | null;
  held: boolean;
}
type ItemFacts = Parameters<typeof itemOutcome>[0];

const ITEMS_SQL = `
  SELECT i.job_id, i.seq, i.role, i.event_id, i.published_at IS NOT NULL AS published, p.outcome AS decided, p.reason,
         (SELECT array_agg(d.status) FROM deliveries d WHERE d.event_id = i.event_id) AS deliveries,
         EXISTS (SELECT 1 FROM pending_events pe WHERE pe.event_id = i.event_id) AS held
    FROM backfill_items i LEFT JOIN processed_events p ON p.event_id = i.event_id
   WHERE i.job_id = ANY($1::uuid[]) ORDER BY i.job_id, i.seq`;

const outcomeOf = (r: ItemRow): ItemOutcome => itemOutcome({ published: r.published, decided: r.decided, deliveries: r.deliveries ?? [], held: r.held });

/** Jobs with their progress counted from the translator's and adapters' records; newest first. */
export async function backfillJobs(db: Db, by: { ids: string[] } | { accountId: string; limit?: number }): Promise<BackfillJob[]> {
  const jobs: JobRow[] =
    'ids' in by
      ? await db.query(`SELECT * FROM backfill_jobs WHERE id = ANY($1::uuid[]) ORDER BY created_at DESC`, [by.ids])
      : await db.query(`SELECT * FROM backfill_jobs WHERE account_id = $1 ORDER BY created_at DESC LIMIT $2`, [by.accountId, by.limit ?? 10]);
  if (!jobs.length) return [];
  const items: ItemRow[] = await db.query(ITEMS_SQL, [jobs.map((j) => j.id)]);
  return jobs.map((j) => {
    const counts = countOutcomes(items.filter((i) => i.job_id === j.id).map(outcomeOf));
    return {
      id: j.id,
      accountId: j.account_id,
      network: j.network,
      nativeId: j.native_id,
      count: j.count,
      state: j.state,
      settled: j.state === 'done' && counts.queued === 0 && counts.pending === 0,
      error: j.error,
      ...counts,
      createdAt: iso(j.created_at)!,
      startedAt: iso(j.started_at),
      finishedAt: iso(j.finished_at),
    };
  });
}

/** Every item of one job with its outcome and the translator's reason (why it was skipped). */
export async function backfillItems(db: Db, jobId: string): Promise<BackfillItemView[]> {
  const items: ItemRow[] = await db.query(ITEMS_SQL, [[jobId]]);
  return items.map((r) => ({ seq: r.seq, role: r.role, eventId: r.event_id, outcome: outcomeOf(r), reason: r.decided === 'dropped' ? r.reason : null }));
}

export { rowsOf as backfillRows };

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}
