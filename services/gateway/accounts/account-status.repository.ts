import type { DataSource } from 'typeorm';
import { backfillJobs, type BackfillJob } from '../../../libs/backfill/index.js';
import type { Network } from '../../../libs/events/index.js';
import type { Page } from '../http/input.js';
import type { LookupQuery } from './lookup-query.js';

export interface IdentityView {
  network: Network;
  nativeId: string;
  handle: string | null;
  /** native: the person's own, proven; bridged: the proxy the bridge hosts for them. */
  kind: 'native' | 'bridged';
  verifiedAt: string | null;
}

export interface AccountSummary {
  id: string;
  consent: 'pending' | 'opted_in' | 'opted_out';
  status: 'active' | 'taken_down' | 'deleted';
  mirror: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** An original the person posted (in), with where its copies live on the other networks. */
export interface ObjectView {
  id: string;
  network: Network;
  nativeId: string;
  url: string | null;
  createdAt: string;
  deletedAt: string | null;
  copies: { network: Network; nativeId: string; url: string | null }[];
}

/** A command the bridge sent for the person (out), with its outcome. */
export interface DeliveryView {
  id: string;
  eventId: string;
  target: Network;
  status: string;
  attempts: number;
  nativeId: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export const DELIVERY_STATUSES = ['queued', 'delivered', 'skipped', 'failed', 'gone', 'dead'] as const;
export const FAILED_STATUSES = ['failed', 'gone', 'dead'] as const;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const MICROS = `(extract(epoch FROM a.created_at) * 1000000)::bigint`;

/** Reads one person's state; nothing here writes. */
export class AccountStatusRepository {
  constructor(private readonly ds: DataSource) {}

  async account(id: string): Promise<AccountSummary | undefined> {
    const [r]: { id: string; consent: AccountSummary['consent']; status: AccountSummary['status']; mirror: Record<string, string>; created_at: Date; updated_at: Date }[] =
      await this.ds.query(`SELECT id, consent, status, mirror, created_at, updated_at FROM accounts WHERE id = $1`, [id]);
    return r && { id: r.id, consent: r.consent, status: r.status, mirror: r.mirror ?? {}, createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)! };
  }

  async identities(accountId: string): Promise<IdentityView[]> {
    const rows: { network: Network; native_id: string; handle: string | null; kind: 'native' | 'bridged'; verified_at: Date | null }[] = await this.ds.query(
      `SELECT network, native_id, handle, kind, verified_at FROM identities WHERE account_id = $1 ORDER BY network, kind DESC, created_at`,
      [accountId],
    );
    return rows.map((r) => ({ network: r.network, nativeId: r.native_id, handle: r.handle, kind: r.kind, verifiedAt: iso(r.verified_at) }));
  }

  /** The person's own pod (Solid): whether they archive into it, and the history backfill's progress (done/total, state). */
  async solidArchive(accountId: string): Promise<{ webId: string; enabled: boolean; access: string; backfill: Record<string, unknown> | null } | null> {
    const [r]: { web_id: string; archive: boolean; access: string; backfill: Record<string, unknown> | null }[] = await this.ds.query(
      `SELECT web_id, archive, access, backfill FROM solid_pods WHERE account_id = $1 AND mode = 'linked' ORDER BY created_at LIMIT 1`,
      [accountId],
    );
    return r ? { webId: r.web_id, enabled: r.archive, access: r.access, backfill: r.backfill } : null;
  }

  /** The person's last backfill jobs (their last N posts mirrored on request), newest first, with progress. */
  backfill(accountId: string): Promise<BackfillJob[]> {
    return backfillJobs(this.ds, { accountId, limit: 5 });
  }

  /** Accounts with an identity matching any reading of the query, with the identities that matched. */
  async lookup(q: LookupQuery, limit: number): Promise<{ accountId: string; matched: IdentityView }[]> {
    const rows: { account_id: string; network: Network; native_id: string; handle: string | null; kind: 'native' | 'bridged'; verified_at: Date | null }[] = await this.ds.query(
      `SELECT account_id, network, native_id, handle, kind, verified_at FROM identities
        WHERE lower(handle) = ANY($1::text[])
           OR (network, native_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        ORDER BY kind DESC, created_at LIMIT $4`,
      [q.handles, q.nativeIds.map((n) => n.network), q.nativeIds.map((n) => n.id), limit],
    );
    return rows.map((r) => ({ accountId: r.account_id, matched: { network: r.network, nativeId: r.native_id, handle: r.handle, kind: r.kind, verifiedAt: iso(r.verified_at) } }));
  }

  /**
   * Accounts newest first, with their identities. The cursor is the creation time in microseconds
   * and the id: a millisecond Date would lose precision and skip or repeat rows at page edges.
   */
  async list(f: { status?: string; consent?: string; network?: Network }, p: { limit: number; before?: { micros: string; id: string } }): Promise<(AccountSummary & { cursor: string; identities: IdentityView[] })[]> {
    const args: unknown[] = [];
    const where: string[] = [];
    if (f.status) where.push(`a.status = $${args.push(f.status)}`);
    if (f.consent) where.push(`a.consent = $${args.push(f.consent)}`);
    if (f.network) where.push(`EXISTS (SELECT 1 FROM identities n WHERE n.account_id = a.id AND n.network = $${args.push(f.network)})`);
    if (p.before) where.push(`(${MICROS}, a.id) < ($${args.push(p.before.micros)}::bigint, $${args.push(p.before.id)}::uuid)`);
    const rows: { id: string; consent: AccountSummary['consent']; status: AccountSummary['status']; mirror: Record<string, string>; created_at: Date; updated_at: Date; micros: string; identities: IdentityView[] | null }[] =
      await this.ds.query(
        `SELECT a.id, a.consent, a.status, a.mirror, a.created_at, a.updated_at, ${MICROS}::text AS micros,
                (SELECT json_agg(json_build_object('network', i.network, 'nativeId', i.native_id, 'handle', i.handle, 'kind', i.kind, 'verifiedAt', i.verified_at) ORDER BY i.network, i.kind DESC)
                   FROM identities i WHERE i.account_id = a.id) AS identities
           FROM accounts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY a.created_at DESC, a.id DESC LIMIT $${args.push(p.limit + 1)}`,
        args,
      );
    return rows.map((r) => ({
      id: r.id,
      consent: r.consent,
      status: r.status,
      mirror: r.mirror ?? {},
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
      cursor: `${r.micros}_${r.id}`,
      identities: r.identities ?? [],
    }));
  }

  /** Originals owned by the account's identities, newest first, each with its copies. */
  async objectsIn(accountId: string, f: { network?: Network }, p: Page): Promise<ObjectView[]> {
    const args: unknown[] = [accountId];
    let where = '';
    if (f.network) where += ` AND o.network = $${args.push(f.network)}`;
    if (p.before) where += ` AND o.id < $${args.push(p.before)}::bigint`;
    const rows: { id: string; object_key: string; network: Network; native_id: string; url: string | null; created_at: Date; deleted_at: Date | null; copies: { network: Network; nativeId: string; url: string | null }[] | null }[] =
      await this.ds.query(
        `SELECT o.id::text, o.object_key, o.network, o.native_id, o.url, o.created_at, o.deleted_at,
                (SELECT json_agg(json_build_object('network', c.network, 'nativeId', c.native_id, 'url', c.url) ORDER BY c.network)
                   FROM object_map c WHERE c.object_key = o.object_key AND c.id <> o.id) AS copies
           FROM object_map o
           JOIN identities i ON i.network = o.owner_network AND i.native_id = o.owner_id
          WHERE i.account_id = $1 AND o.is_original${where}
          ORDER BY o.id DESC LIMIT $${args.push(p.limit + 1)}`,
        args,
      );
    return rows.map((r) => ({ id: r.id, network: r.network, nativeId: r.native_id, url: r.url, createdAt: iso(r.created_at)!, deletedAt: iso(r.deleted_at), copies: r.copies ?? [] }));
  }

  async deliveries(accountId: string, f: { target?: Network; statuses?: readonly string[] }, p: Page): Promise<DeliveryView[]> {
    const args: unknown[] = [accountId];
    let where = '';
    if (f.target) where += ` AND target = $${args.push(f.target)}`;
    if (f.statuses) where += ` AND status = ANY($${args.push(f.statuses)}::text[])`;
    if (p.before) where += ` AND id < $${args.push(p.before)}::bigint`;
    const rows: { id: string; event_id: string; target: Network; status: string; attempts: number; native_id: string | null; last_error: string | null; next_attempt_at: Date | null; created_at: Date; updated_at: Date }[] =
      await this.ds.query(
        `SELECT id::text, event_id, target, status, attempts, native_id, last_error, next_attempt_at, created_at, updated_at
           FROM deliveries WHERE account_id = $1${where} ORDER BY deliveries.id DESC LIMIT $${args.push(p.limit + 1)}`,
        args,
      );
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      target: r.target,
      status: r.status,
      attempts: r.attempts,
      nativeId: r.native_id,
      lastError: r.last_error,
      nextAttemptAt: iso(r.next_attempt_at),
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
    }));
  }
}
