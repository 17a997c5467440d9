import type { DataSource } from 'typeorm';
import type { Network, OutboundCommand } from '../events/index.js';
import type { DeliveryStatus } from '../store/index.js';
import { ACCOUNT_LANE } from './command-lane.js';

export interface LedgerRow {
  /** bigint as text: the order rows were written in, which is command order per account. */
  id: string;
  commandId: string;
  accountId: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  nativeId: string | null;
  createdAt: Date;
}

/** Parked = waiting in the parked topic for a re-drive. `failed` with no next attempt is final (see README). */
export function isParked(row: Pick<LedgerRow, 'status' | 'nextAttemptAt'>): boolean {
  return row.status === 'failed' && row.nextAttemptAt !== null;
}

export function isFinal(row: Pick<LedgerRow, 'status' | 'nextAttemptAt' | 'attempts'>): boolean {
  return row.status === 'delivered' || row.status === 'skipped' || row.status === 'gone' || row.status === 'dead' || (row.status === 'failed' && row.nextAttemptAt === null && row.attempts > 0);
}

interface Raw {
  id: string;
  command_id: string;
  account_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  native_id: string | null;
  created_at: Date;
}

const COLUMNS = 'id, command_id, account_id, status, attempts, last_error, next_attempt_at, native_id, created_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toRow = (r: Raw): LedgerRow => ({
  id: String(r.id),
  commandId: r.command_id,
  accountId: r.account_id,
  status: r.status,
  attempts: Number(r.attempts),
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at ? new Date(r.next_attempt_at) : null,
  nativeId: r.native_id,
  createdAt: new Date(r.created_at),
});

/**
 * The adapter's side of the `deliveries` ledger. Short statements only, never a transaction held
 * across network I/O: on embedded PGlite one open transaction stalls every other query.
 */
export class DeliveryLedger {
  constructor(
    private readonly ds: DataSource,
    private readonly network: Network,
  ) {}

  /**
   * The rows of these commands, created when missing: the translator writes its `queued` row
   * after publishing the command, so the adapter may see the command first. Both inserts are
   * ON CONFLICT DO NOTHING, so whoever comes second changes nothing.
   */
  async ensure(commands: OutboundCommand[]): Promise<Map<string, LedgerRow>> {
    if (!commands.length) return new Map();
    const uuidOrNull = (s: string) => (UUID.test(s) ? s : null);
    const ids = commands.map((c) => c.id);
    // One round trip: the rows inserted now (RETURNING) and those that were there (the SELECT
    // sees the statement's snapshot, so the two never overlap).
    const rows: Raw[] = await this.ds.query(
      `WITH ins AS (
         INSERT INTO deliveries (command_id, event_id, target, account_id, object_key, status)
         SELECT c, e, $5, a::uuid, k::uuid, 'queued' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(c, e, a, k)
         ON CONFLICT DO NOTHING RETURNING ${COLUMNS})
       SELECT ${COLUMNS} FROM ins UNION ALL SELECT ${COLUMNS} FROM deliveries WHERE command_id = ANY($1)`,
      [ids, commands.map((c) => c.eventId), commands.map((c) => uuidOrNull(c.as.accountId)), commands.map((c) => c.objectKey), this.network],
    );
    const found = new Map(rows.map((r) => [r.command_id, toRow(r)]));
    // A row another writer (the translator) committed after this statement's snapshot was taken
    // is in neither half: read those again.
    const late = ids.filter((id) => !found.has(id));
    if (late.length) for (const r of (await this.ds.query(`SELECT ${COLUMNS} FROM deliveries WHERE command_id = ANY($1)`, [late])) as Raw[]) found.set(r.command_id, toRow(r));
    return found;
  }

  async get(commandId: string): Promise<LedgerRow | undefined> {
    const rows: Raw[] = await this.ds.query(`SELECT ${COLUMNS} FROM deliveries WHERE command_id = $1`, [commandId]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /**
   * The next attempt, claimed only when no earlier command of the same account is parked in a
   * lane that conflicts with `lane` (its lane, the account-wide one, or unknown: a row parked
   * before lanes existed). One statement instead of a look-up and a claim: a round trip less
   * per command. The claim is a compare-and-set on attempts with SKIP LOCKED, so a concurrent
   * claimer (rebalance overlap) gets nothing at once instead of waiting.
   * Returns `{ attempts }` (the new count), `{ blocker }` (the oldest earlier parked row: nothing
   * claimed), or undefined when someone else has the attempt.
   */
  async claimInOrder(row: Pick<LedgerRow, 'id' | 'commandId' | 'accountId'>, seenAttempts: number, lane: string): Promise<{ attempts: number } | { blocker: LedgerRow } | undefined> {
    const rows: { attempts: number | null; blocker: Record<keyof Raw, unknown> | null }[] = await this.ds.query(
      // Wrapped in CTEs: TypeORM returns [rows, count] for a bare UPDATE ... RETURNING.
      `WITH b AS (SELECT ${COLUMNS} FROM deliveries
                   WHERE target = $3 AND account_id = $4::uuid AND status = 'failed' AND next_attempt_at IS NOT NULL AND id < $5
                     AND (lane IS NULL OR lane = $6 OR lane = '${ACCOUNT_LANE}' OR $6 = '${ACCOUNT_LANE}')
                   ORDER BY id LIMIT 1),
            c AS (SELECT id FROM deliveries WHERE command_id = $1 AND attempts = $2 AND status IN ('queued','failed') AND NOT EXISTS (SELECT 1 FROM b)
                   FOR UPDATE SKIP LOCKED),
            u AS (UPDATE deliveries d SET attempts = d.attempts + 1, updated_at = now() FROM c WHERE d.id = c.id RETURNING d.attempts)
       SELECT (SELECT attempts FROM u) AS attempts, (SELECT row_to_json(b) FROM b) AS blocker`,
      [row.commandId, seenAttempts, this.network, row.accountId, row.id, lane],
    );
    const r = rows[0];
    if (r?.blocker) return { blocker: toRow(r.blocker as unknown as Raw) };
    return r?.attempts != null ? { attempts: Number(r.attempts) } : undefined;
  }

  /** `lane`: given when parking, so the claims of later commands know what this row blocks. */
  async record(commandId: string, o: { status: DeliveryStatus; lastError?: string | null; nextAttemptAt?: Date | null; nativeId?: string | null; lane?: string }): Promise<void> {
    await this.ds.query(
      `UPDATE deliveries SET status = $2, last_error = $3, next_attempt_at = $4, native_id = COALESCE($5, native_id), lane = COALESCE($6, lane), updated_at = now() WHERE command_id = $1`,
      [commandId, o.status, o.lastError ?? null, o.nextAttemptAt ?? null, o.nativeId ?? null, o.lane ?? null],
    );
  }

  /** The queryable copy of a dead letter (the status API reads this table, not Kafka). */
  async deadLetter(l: { topic: string; key: string; payload: string; reason: string; source: 'validation' | 'delivery'; eventId: string | null }): Promise<void> {
    await this.ds.query(`INSERT INTO dead_letters (topic, message_key, payload, reason, source, event_id) VALUES ($1, $2, $3, $4, $5, $6)`, [
      l.topic,
      l.key,
      l.payload.slice(0, 64_000),
      l.reason,
      l.source,
      l.eventId,
    ]);
  }
}
