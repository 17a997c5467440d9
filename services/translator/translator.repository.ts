import type { DataSource, EntityManager } from 'typeorm';
import { actorKey, type BridgeEvent, type Network, type ObjectRef, type Receipt } from '../../libs/events/index.js';
import { applyBlockChanges, insertReports, loadBlockers, type BlockChange, type ReportRecord } from '../../libs/moderation/index.js';
import { refKey } from './object-key.js';
import { authorNamedBy } from './parent-rule.js';
import type { Hold, NewOriginal } from './translate.js';
import type { AccountInfo, BridgePolicy, IdentityInfo, ObjectInfo, TranslationContext } from './translation-context.js';
import type { OutboundCommand } from '../../libs/events/index.js';

type Q = Pick<EntityManager, 'query'>;

/** What one translated batch changes, written in one transaction after its commands are on the bus. */
export interface BatchWrite {
  originals: NewOriginal[];
  commands: OutboundCommand[];
  holds: { hold: Hold; event: BridgeEvent; deadline: Date }[];
  /** Held (event, target) pairs that were decided now (sent, or skipped for good). */
  released: { eventId: string; target: Network }[];
  processed: { eventId: string; outcome: 'bridged' | 'dropped' | 'held' | 'invalid'; reason: string | null }[];
  deadLetters: { topic: string; key: string | null; payload: string; reason: string; source: 'validation' | 'translation' | 'pending-timeout'; eventId: string | null }[];
  /** Blocks made or undone, in event order, and reports (written before the rest: see TranslatorService.apply). */
  blocks?: BlockChange[];
  reports?: ReportRecord[];
}

export interface PendingRow {
  /** pending_events.id (bigint as text), where the sweep's keyset page resumes; absent for rows already taken. */
  id?: string;
  eventId: string;
  target: Network;
  event: BridgeEvent;
  reason: string;
}

/**
 * The translator's SQL: a few set-based queries per batch, so throughput does not depend on
 * round trips per event. Every write is idempotent (ON CONFLICT), so a replayed batch is harmless.
 */
export class TranslatorRepository {
  constructor(private readonly ds: DataSource) {}

  async loadPolicy(q: Q = this.ds.manager): Promise<BridgePolicy> {
    const rows: { key: string; value: unknown }[] = await q.query(`SELECT key, value FROM settings WHERE key = ANY($1)`, [
      ['networks', 'domains.blocked', 'domains.allowed', 'consent.default'],
    ]);
    const get = (k: string) => rows.find((r) => r.key === k)?.value;
    const networks = (get('networks') ?? {}) as Partial<BridgePolicy['networks']>;
    return {
      networks: { activitypub: networks.activitypub ?? true, atproto: networks.atproto ?? true, nostr: networks.nostr ?? true, solid: networks.solid ?? true },
      blockedDomains: (get('domains.blocked') as string[] | undefined) ?? [],
      allowedDomains: (get('domains.allowed') as string[] | undefined) ?? [],
      defaultConsent: get('consent.default') === 'opt-out' ? 'opt-out' : 'opt-in',
    };
  }

  /** Loads identities, accounts, objects and dedupe state for every id the events mention. */
  async loadContext(events: BridgeEvent[], policy: BridgePolicy, pendingTimeoutMs: number, q: Q = this.ds.manager): Promise<TranslationContext> {
    const actorRefs = new Map<string, { network: Network; id: string }>();
    const objectRefs = new Map<string, ObjectRef>();
    for (const e of events) {
      actorRefs.set(actorKey(e.actor), e.actor);
      if (e.subject) actorRefs.set(actorKey(e.subject), e.subject);
      for (const f of e.object?.facets ?? []) if (f.actor) actorRefs.set(actorKey(f.actor), f.actor);
      // A parent's author, where its id names one: can it still have a copy? (parent-rule.ts)
      for (const r of [e.object?.replyTo, e.object?.quote]) {
        const author = r && authorNamedBy(r);
        if (author) actorRefs.set(actorKey(author), author);
      }
      for (const r of [e.source, e.target, e.object?.replyTo, e.object?.threadRoot, e.object?.quote]) if (r) objectRefs.set(refKey(r), r);
      for (const a of e.report?.actors ?? []) actorRefs.set(actorKey(a), a);
      for (const r of e.report?.objects ?? []) objectRefs.set(refKey(r), r);
    }
    const [processed, { identities, accounts }, objects, blockers] = await Promise.all([
      this.processed(events.map((e) => e.id), q),
      this.people([...actorRefs.values()], q),
      this.objects([...objectRefs.values()], q),
      loadBlockers(q, events.map((e) => e.actor)),
    ]);
    if (events.some((e) => e.report?.objects.length)) {
      // A reported post's author is the reported person: their account too (report-routing.ts).
      const owners = [...new Set([...objects.values()].map((o) => o.owner).filter((o): o is string => !!o && !identities.has(o)))];
      const more = await this.people(owners.map((k) => ({ network: k.slice(0, k.indexOf(':')) as Network, id: k.slice(k.indexOf(':') + 1) })), q);
      for (const [k, v] of more.identities) identities.set(k, v);
      for (const [k, v] of more.accounts) accounts.set(k, v);
    }
    return { policy, identities, accounts, objects, processed, blockers, now: new Date(), pendingTimeoutMs };
  }

  private async processed(ids: string[], q: Q): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: { event_id: string }[] = await q.query(`SELECT event_id FROM processed_events WHERE event_id = ANY($1)`, [ids]);
    return new Set(rows.map((r) => r.event_id));
  }

  /** The accounts behind these actors, with every identity of each, in one round trip. */
  private async people(refs: { network: Network; id: string }[], q: Q): Promise<{ identities: Map<string, IdentityInfo>; accounts: Map<string, AccountInfo> }> {
    const identities = new Map<string, IdentityInfo>();
    const accounts = new Map<string, AccountInfo>();
    if (!refs.length) return { identities, accounts };
    const rows: (IdentityRow & Omit<AccountRow, 'id'>)[] = await q.query(
      `WITH acc AS (SELECT DISTINCT i.account_id FROM identities i
                      JOIN unnest($1::text[], $2::text[]) AS r(network, native_id) USING (network, native_id))
       SELECT a.id AS account_id, a.consent, a.status, a.mirror, i.network, i.native_id, i.handle, i.kind
         FROM acc JOIN accounts a ON a.id = acc.account_id JOIN identities i ON i.account_id = a.id`,
      [refs.map((r) => r.network), refs.map((r) => r.id)],
    );
    for (const r of rows) {
      let account = accounts.get(r.account_id);
      if (!account) accounts.set(r.account_id, (account = { id: r.account_id, consent: r.consent, status: r.status, mirror: r.mirror ?? {}, identities: [] }));
      const identity = identityOf(r);
      account.identities.push(identity);
      identities.set(`${r.network}:${r.native_id}`, identity);
    }
    return { identities, accounts };
  }

  /** Every copy of the objects these refs name, and where each is headed, in one round trip. */
  private async objects(refs: ObjectRef[], q: Q): Promise<Map<string, ObjectInfo>> {
    const out = new Map<string, ObjectInfo>();
    if (!refs.length) return out;
    const rows: (ObjectRow & { planned: Network[] | null })[] = await q.query(
      `WITH keys AS (SELECT DISTINCT o.object_key FROM object_map o
                       JOIN unnest($1::text[], $2::text[]) AS r(network, native_id) USING (network, native_id)),
            planned AS (SELECT object_key, array_agg(DISTINCT target) AS planned FROM (
                          SELECT object_key, target FROM deliveries WHERE object_key IN (SELECT object_key FROM keys) AND status IN ('queued','delivered','failed')
                          UNION ALL SELECT object_key, target FROM pending_events WHERE object_key IN (SELECT object_key FROM keys)) t
                        GROUP BY object_key)
       SELECT m.object_key, m.network, m.native_id, m.cid, m.url, m.is_original, m.deleted_at, m.owner_network, m.owner_id, p.planned
         FROM object_map m JOIN keys USING (object_key) LEFT JOIN planned p USING (object_key)`,
      [refs.map((r) => r.network), refs.map((r) => r.id)],
    );
    const byKey = new Map<string, ObjectInfo>();
    for (const r of rows) {
      let info = byKey.get(r.object_key);
      if (!info) byKey.set(r.object_key, (info = { objectKey: r.object_key, copies: {}, planned: new Set(r.planned ?? []), deleted: false }));
      info.copies[r.network] = { id: r.native_id, cid: r.cid ?? undefined, url: r.url ?? undefined, original: r.is_original };
      if (r.is_original && r.deleted_at) info.deleted = true;
      if (r.is_original && r.owner_network && r.owner_id) info.owner = `${r.owner_network}:${r.owner_id}`;
      out.set(`${r.network}:${r.native_id}`, info);
    }
    return out;
  }

  /**
   * Everything one batch changes, as one statement of data-modifying CTEs: atomic like a
   * transaction, but one round trip instead of eight (this is on the latency path of every event).
   * No row is touched by two of the CTEs (a held pair is either released or re-held, never both).
   */
  async write(w: BatchWrite): Promise<void> {
    const o = w.originals;
    const c = w.commands;
    const h = w.holds;
    const d = w.deadLetters;
    const p = w.processed;
    await this.ds.query(
      `WITH
       originals AS (
         INSERT INTO object_map (object_key, network, native_id, cid, url, is_original, owner_network, owner_id)
         -- The owner's network is the source's: an event enters from one network (validated).
         SELECT k, n, i, c, u, true, n, o FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $30::text[]) AS x(k, n, i, c, u, o)
         ON CONFLICT (network, native_id) DO NOTHING),
       ledger AS (
         INSERT INTO deliveries (command_id, event_id, target, account_id, object_key, status)
         SELECT c, e, t, NULLIF(a, '')::uuid, k, 'queued' FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[]) AS x(c, e, t, a, k)
         ON CONFLICT DO NOTHING),
       released AS (
         DELETE FROM pending_events p USING unnest($11::text[], $12::text[]) AS r(e, t) WHERE p.event_id = r.e AND p.target = r.t),
       held AS (
         INSERT INTO pending_events (event_id, target, payload, wait_network, wait_native_id, reason, deadline, object_key)
         SELECT * FROM unnest($13::text[], $14::text[], $15::jsonb[], $16::text[], $17::text[], $18::text[], $19::timestamptz[], $20::uuid[])
         ON CONFLICT (event_id, target) DO UPDATE SET wait_network = excluded.wait_network, wait_native_id = excluded.wait_native_id, reason = excluded.reason),
       letters AS (
         INSERT INTO dead_letters (topic, message_key, payload, reason, source, event_id)
         SELECT * FROM unnest($21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[])),
       processed AS (
         INSERT INTO processed_events (event_id, outcome, reason) SELECT * FROM unnest($27::text[], $28::text[], $29::text[])
         ON CONFLICT (event_id) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason)
       SELECT 1`,
      [
        o.map((x) => x.objectKey), o.map((x) => x.ref.network), o.map((x) => x.ref.id), o.map((x) => x.ref.cid ?? null), o.map((x) => x.ref.url ?? null),
        c.map((x) => x.id), c.map((x) => x.eventId), c.map((x) => x.target), c.map((x) => x.as.accountId), c.map((x) => x.objectKey),
        w.released.map((x) => x.eventId), w.released.map((x) => x.target),
        h.map((x) => x.event.id), h.map((x) => x.hold.target), h.map((x) => JSON.stringify(x.event)), h.map((x) => x.hold.wait.network),
        h.map((x) => x.hold.wait.id), h.map((x) => x.hold.reason), h.map((x) => x.deadline.toISOString()), h.map((x) => x.hold.objectKey),
        d.map((x) => x.topic), d.map((x) => x.key), d.map((x) => x.payload), d.map((x) => x.reason), d.map((x) => x.source), d.map((x) => x.eventId),
        p.map((x) => x.eventId), p.map((x) => x.outcome), p.map((x) => x.reason),
        o.map((x) => x.owner.id),
      ],
    );
  }

  /** Records blocks made or undone (in order) and reports; idempotent, so a replayed batch ends the same. */
  async recordModeration(blocks: BlockChange[], reports: ReportRecord[]): Promise<void> {
    if (!blocks.length && !reports.length) return;
    await this.ds.transaction(async (m) => {
      await applyBlockChanges(m, blocks);
      await insertReports(m, reports);
    });
  }

  /** Creates a pending-consent account with a native identity for each actor seen first (opt-out policy). */
  async ensureAccounts(actors: { network: Network; id: string; handle?: string }[]): Promise<void> {
    if (!actors.length) return;
    await this.ds.transaction(async (m) => {
      await m.query(
        `WITH fresh AS (
           SELECT r.network, r.native_id, r.handle, gen_random_uuid() AS account_id
             FROM unnest($1::text[], $2::text[], $3::text[]) AS r(network, native_id, handle)
            WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.network = r.network AND i.native_id = r.native_id)),
         a AS (INSERT INTO accounts (id) SELECT account_id FROM fresh)
         INSERT INTO identities (account_id, network, native_id, handle, kind)
         SELECT account_id, network, native_id, handle, 'native' FROM fresh ON CONFLICT (network, native_id) DO NOTHING`,
        [actors.map((a) => a.network), actors.map((a) => a.id), actors.map((a) => a.handle ?? null)],
      );
    });
  }

  /** Records an adapter's receipt: the copy in the object map and the ledger status. Idempotent. */
  async recordReceipt(r: Receipt): Promise<void> {
    await this.ds.transaction(async (m) => {
      if (r.status === 'delivered' && r.ref)
        await m.query(
          `INSERT INTO object_map (object_key, network, native_id, cid, url, is_original) VALUES ($1, $2, $3, $4, $5, false)
           ON CONFLICT (network, native_id) DO NOTHING`,
          [r.objectKey, r.network, r.ref.id, r.ref.cid ?? null, r.ref.url ?? null],
        );
      // The adapter's own ledger write is authoritative; a late or replayed receipt never moves a
      // final status (delivered, skipped, gone, dead) back.
      await m.query(
        `UPDATE deliveries SET status = $2, native_id = COALESCE($3, native_id), last_error = $4, updated_at = now()
          WHERE command_id = $1 AND status IN ('queued', 'failed')`,
        [
        r.commandId,
        r.status,
        r.ref?.id ?? null,
        r.reason ?? null,
      ]);
    });
  }

  /** Held events waiting on any copy of `objectKey` (or on `refs` directly), optionally for one target. */
  async pendingFor(refs: ObjectRef[], objectKeys: string[], target?: Network): Promise<PendingRow[]> {
    if (!refs.length && !objectKeys.length) return [];
    const rows: { event_id: string; target: Network; payload: BridgeEvent; reason: string }[] = await this.ds.query(
      `SELECT p.event_id, p.target, p.payload, p.reason FROM pending_events p
        WHERE ($3::text IS NULL OR p.target = $3)
          AND ((p.wait_network, p.wait_native_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
               OR (p.wait_network, p.wait_native_id) IN (SELECT network, native_id FROM object_map WHERE object_key = ANY($4::uuid[])))
        ORDER BY p.id LIMIT 5000`,
      [refs.map((r) => r.network), refs.map((r) => r.id), target ?? null, objectKeys],
    );
    return rows.map((r) => ({ eventId: r.event_id, target: r.target, event: r.payload, reason: r.reason }));
  }

  /**
   * Held events whose awaited object is now known: normally released by the batch or receipt
   * that made it known; this catches what a race between concurrently handled partitions missed.
   */
  async pendingWithKnownWait(afterId = '0', limit = 1000): Promise<PendingRow[]> {
    const rows: { id: string; event_id: string; target: Network; payload: BridgeEvent; reason: string }[] = await this.ds.query(
      `SELECT p.id, p.event_id, p.target, p.payload, p.reason FROM pending_events p
        WHERE p.id > $1 AND EXISTS (SELECT 1 FROM object_map m WHERE m.network = p.wait_network AND m.native_id = p.wait_native_id)
        ORDER BY p.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: String(r.id), eventId: r.event_id, target: r.target, event: r.payload, reason: r.reason }));
  }

  /**
   * Held events whose deadline passed. Read, not taken: the sweep removes them with the write that
   * records what became of them (as `released`), after their commands or dead letters are on the
   * bus, so a crash in between sweeps them again instead of losing them. Two translators sweeping
   * at once publish the same command ids, which the adapters' ledger delivers once.
   */
  async expiredHeld(limit = 1000): Promise<PendingRow[]> {
    const rows: { event_id: string; target: Network; payload: BridgeEvent; reason: string }[] = await this.ds.query(
      `SELECT event_id, target, payload, reason FROM pending_events WHERE deadline < now() ORDER BY deadline LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ eventId: r.event_id, target: r.target, event: r.payload, reason: r.reason }));
  }

  /** Forgets processed-event ids older than `before`, a bounded slice per call. */
  async pruneProcessed(before: Date, limit = 10_000): Promise<number> {
    const rows: { n: number }[] = await this.ds.query(
      `WITH gone AS (DELETE FROM processed_events WHERE event_id IN (
         SELECT event_id FROM processed_events WHERE processed_at < $1 LIMIT $2) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [before.toISOString(), limit],
    );
    return rows[0]?.n ?? 0;
  }

  async pendingCount(): Promise<number> {
    const [row]: { n: string }[] = await this.ds.query(`SELECT count(*)::text AS n FROM pending_events`);
    return Number(row?.n ?? 0);
  }
}

interface IdentityRow {
  account_id: string;
  network: Network;
  native_id: string;
  handle: string | null;
  kind: 'native' | 'bridged';
}
interface AccountRow {
  id: string;
  consent: AccountInfo['consent'];
  status: AccountInfo['status'];
  mirror: AccountInfo['mirror'] | null;
}
interface ObjectRow {
  object_key: string;
  network: Network;
  native_id: string;
  cid: string | null;
  url: string | null;
  is_original: boolean;
  deleted_at: string | null;
  owner_network: Network | null;
  owner_id: string | null;
}

function identityOf(r: IdentityRow): IdentityInfo {
  return { accountId: r.account_id, network: r.network, id: r.native_id, handle: r.handle ?? undefined, kind: r.kind };
}
