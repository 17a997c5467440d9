import type { DataSource, EntityManager } from 'typeorm';
import type { Network } from '../events/index.js';

type Q = Pick<EntityManager, 'query'>;

export interface ReportedActor {
  network: Network;
  id: string;
  accountId: string | null;
  /** The person's own identities (the originals behind the proxy). */
  natives: { network: Network; id: string; handle?: string }[];
}

export interface ReportedObject {
  network: Network;
  id: string;
  original: { network: Network; id: string } | null;
  /** `<network>:<id>` of the original's author. */
  owner: string | null;
}

/** A report as the translator resolved it: what was named, and who and what is behind it. */
export interface ReportRecord {
  eventId: string;
  network: Network;
  reporterId: string;
  reason: string | null;
  actors: ReportedActor[];
  objects: ReportedObject[];
  accountIds: string[];
}

export const REPORT_STATES = ['open', 'resolved', 'dismissed'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

export interface ReportRow extends Omit<ReportRecord, 'eventId'> {
  id: string;
  eventId: string;
  state: ReportState;
  note: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
  /** Where it was forwarded, from the delivery ledger: one entry per home network. */
  forwarded: { network: Network; status: string; error: string | null }[];
}

export class ReportError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}

/** Idempotent by event id: the same report seen twice (a replayed batch) is one row. */
export async function insertReports(q: Q, reports: ReportRecord[]): Promise<void> {
  if (!reports.length) return;
  await q.query(
    `INSERT INTO reports (event_id, network, reporter_id, reason, actors, objects, account_ids)
     SELECT e, n, r, w, a::jsonb, o::jsonb, string_to_array(NULLIF(i, ''), ',')::uuid[]
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(e, n, r, w, a, o, i)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      reports.map((r) => r.eventId),
      reports.map((r) => r.network),
      reports.map((r) => r.reporterId),
      reports.map((r) => r.reason),
      reports.map((r) => JSON.stringify(r.actors)),
      reports.map((r) => JSON.stringify(r.objects)),
      reports.map((r) => r.accountIds.join(',')),
    ],
  );
}

interface Row {
  id: string;
  event_id: string;
  network: Network;
  reporter_id: string;
  reason: string | null;
  actors: ReportedActor[];
  objects: ReportedObject[];
  account_ids: string[];
  state: ReportState;
  note: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
  forwarded: ReportRow['forwarded'] | null;
}

const SELECT = `SELECT r.*, (SELECT json_agg(json_build_object('network', d.target, 'status', d.status, 'error', d.last_error) ORDER BY d.target)
                                FROM deliveries d WHERE d.event_id = r.event_id) AS forwarded
                  FROM reports r`;

/** Newest first, keyset-paged on id; `state` filters. */
export async function listReports(q: Q, opts: { state?: ReportState; before?: string; limit: number }): Promise<ReportRow[]> {
  const rows: Row[] = await q.query(
    `${SELECT} WHERE ($1::text IS NULL OR r.state = $1) AND ($2::bigint IS NULL OR r.id < $2) ORDER BY r.id DESC LIMIT $3`,
    [opts.state ?? null, opts.before ?? null, opts.limit],
  );
  return rows.map(toReport);
}

export async function getReport(q: Q, id: string): Promise<ReportRow | undefined> {
  const rows: Row[] = await q.query(`${SELECT} WHERE r.id = $1`, [id]);
  return rows[0] && toReport(rows[0]);
}

/**
 * A moderator's decision (resolved: acted on; dismissed: nothing to do), with the audit row in the
 * same transaction. Only an open report can be decided (a second decision is a 409: the first
 * moderator's stands; reopen is not offered).
 */
export async function decideReport(ds: DataSource, id: string, state: Exclude<ReportState, 'open'>, actor: string, note?: string): Promise<ReportRow> {
  return ds.transaction(async (m) => {
    const rows: { id: string; state: ReportState; account_ids: string[]; event_id: string }[] = await m.query(`SELECT id, state, account_ids, event_id FROM reports WHERE id = $1 FOR UPDATE`, [id]);
    const row = rows[0];
    if (!row) throw new ReportError(`no report ${id}`, 404);
    if (row.state !== 'open') throw new ReportError(`report ${id} is already ${row.state}`, 409);
    await m.query(`UPDATE reports SET state = $2, note = $3, decided_by = $4, decided_at = now() WHERE id = $1`, [id, state, note ?? null, actor]);
    await m.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)`, [
      actor,
      state === 'resolved' ? 'report.resolve' : 'report.dismiss',
      row.account_ids[0] ?? null,
      JSON.stringify({ reportId: id, eventId: row.event_id, accountIds: row.account_ids, ...(note && { note }) }),
    ]);
    return (await getReport(m, id))!;
  });
}

function toReport(r: Row): ReportRow {
  return {
    id: String(r.id),
    eventId: r.event_id,
    network: r.network,
    reporterId: r.reporter_id,
    reason: r.reason,
    actors: r.actors,
    objects: r.objects,
    accountIds: r.account_ids,
    state: r.state,
    note: r.note,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
    forwarded: r.forwarded ?? [],
  };
}
