/**
 * A report (`report.created`, from an inbound Flag) recorded for the bridge's moderators in the
 * audit log: the admin API lists it (`GET /api/v1/admin/audit?action=report.received`, moderator
 * role) beside what admins did about it, and it needs no table of its own. One row per report:
 * `actor` is who reported (`activitypub:<actor URL>`), `target` the first reported account we
 * know (what the account moderation endpoints take), `detail` the event id, the reason and every
 * reported actor (with its account) and object.
 */
import type { DataSource } from 'typeorm';
import type { BridgeEvent } from '../../../libs/events/index.js';

export const REPORT_ACTION = 'report.received';

export async function recordReport(ds: DataSource, event: BridgeEvent): Promise<void> {
  const report = event.report;
  if (event.type !== 'report.created' || !report) throw new Error(`not a report: ${event.type}`);
  const ids = report.actors.map((a) => a.id);
  const rows: { native_id: string; account_id: string }[] = ids.length
    ? await ds.query(`SELECT native_id, account_id FROM identities WHERE network = $1 AND native_id = ANY($2)`, [event.actor.network, ids])
    : [];
  const accountOf = new Map(rows.map((r) => [r.native_id, r.account_id]));
  const accountIds = [...new Set(ids.map((id) => accountOf.get(id)).filter((a): a is string => !!a))];
  const detail = {
    eventId: event.id,
    network: event.actor.network,
    reporter: event.actor,
    reason: report.reason ?? null,
    actors: report.actors.map((a) => ({ ...a, accountId: accountOf.get(a.id) ?? null })),
    objects: report.objects,
    accountIds,
  };
  await ds.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)`, [
    `${event.actor.network}:${event.actor.id}`,
    REPORT_ACTION,
    accountIds[0] ?? null,
    JSON.stringify(detail),
  ]);
}
