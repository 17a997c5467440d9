import type { DataSource } from 'typeorm';
import { DeliveryError, type DeliveryResult } from '../../../libs/adapter/index.js';
import { COMMAND_SCHEMA_VERSION, type BridgeEvent, type Network, type OutboundCommand } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { PodRepository, type PodRow } from '../pod/index.js';
import type { HistorySource, Original } from './history-source.js';

const log = createLogger('solid-archive');

type Candidate = Original & { copied: boolean };
/** A running backfill writes its progress at least this often; one silent for 4× this is taken over. */
const HEARTBEAT_MS = 15_000;
const CHUNK = 50;

export interface BackfillProgress {
  state: 'running' | 'done' | 'failed';
  /** Posts the person made on their other networks that the object map knows of. */
  total: number;
  /** Handled so far, whatever the outcome: `done / total` is the progress. */
  done: number;
  copied: number;
  /** A copy was in the pod already (written live after the archive was turned on, or an earlier run). */
  alreadyThere: number;
  /** The source could not give it back (gone from the relays, not the person's, not a post). */
  notFound: number;
  /** Per network without a history source: counted, not copied (docs/SOLID.md, "Archive"). */
  unsupported: Partial<Record<Network, number>>;
  failed: number;
  lastError?: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/**
 * When a person turns the archive on: their past posts on their other networks, copied into
 * `social/outbox/` of their own pod. The list is the object map's originals owned by the
 * account's native identities (oldest first); the content comes from a HistorySource per network;
 * each post is written by the deliverer as a command of its own (`archive:<object key>>solid`),
 * so names, media copies, the object map entry and idempotence are those of live archiving, and
 * a later deletion at the origin removes the archived copy too. Progress lives in
 * solid_pods.backfill (status API). One run per pod across processes: a run claims the row, and a
 * run that stopped heartbeating (its process died) is taken over from the start (copies already
 * made are found and counted, not written twice).
 */
export class ArchiveBackfill {
  private readonly repo: PodRepository;
  private readonly running = new Map<string, Promise<BackfillProgress | undefined>>();

  constructor(
    private readonly o: {
      ds: DataSource;
      deliver: (command: OutboundCommand) => Promise<DeliveryResult>;
      sources: HistorySource[];
      now?: () => Date;
    },
  ) {
    this.repo = new PodRepository(o.ds);
  }

  /** Starts in the background (the HTTP answer does not wait); `run` is the same, awaited. */
  start(podId: string): void {
    void this.run(podId).catch((err: unknown) => log.error('archive backfill crashed', { podId, err: String(err) }));
  }

  async run(podId: string): Promise<BackfillProgress | undefined> {
    const current = this.running.get(podId);
    if (current) return current;
    const p = this.runOnce(podId).finally(() => this.running.delete(podId));
    this.running.set(podId, p);
    return p;
  }

  /**
   * Runs whose process died (still `running`, no heartbeat for a minute) are started again; the
   * adapter calls this at start and periodically. A live run elsewhere keeps its claim.
   */
  async resumeStale(): Promise<void> {
    const rows: { id: string }[] = await this.o.ds.query(
      `SELECT id FROM solid_pods WHERE archive AND backfill->>'state' = 'running' AND (backfill->>'updatedAt')::timestamptz < $1::timestamptz`,
      [new Date(this.now().getTime() - 4 * HEARTBEAT_MS).toISOString()],
    );
    for (const r of rows) this.start(r.id);
  }

  async progress(podId: string): Promise<BackfillProgress | null> {
    const [row]: { backfill: BackfillProgress | null }[] = await this.o.ds.query(`SELECT backfill FROM solid_pods WHERE id = $1`, [podId]);
    return row?.backfill ?? null;
  }

  private async runOnce(podId: string): Promise<BackfillProgress | undefined> {
    const pod = await this.repo.byId(podId);
    if (!pod || pod.mode !== 'linked' || !pod.archive) return undefined;
    const originals = await this.originals(pod.accountId);
    const now = this.now().toISOString();
    const progress: BackfillProgress = { state: 'running', total: originals.length, done: 0, copied: 0, alreadyThere: 0, notFound: 0, unsupported: {}, failed: 0, startedAt: now, updatedAt: now };
    if (!(await this.claim(podId, progress))) return undefined; // another process is on it
    log.info('archive backfill started', { podId, total: originals.length });
    try {
      const authors = await this.authors(pod.accountId);
      const byNetwork = new Map<Network, Candidate[]>();
      for (const o of originals) byNetwork.set(o.network, [...(byNetwork.get(o.network) ?? []), o]);
      let saved = Date.now();
      for (const [network, all] of byNetwork) {
        const source = this.o.sources.find((s) => s.network === network);
        // Fetched a chunk at a time, so progress (and the heartbeat) moves during long histories.
        for (let i = 0; i < all.length; i += CHUNK) {
          const list = all.slice(i, i + CHUNK);
          const events = source ? await source.fetch(list.filter((o) => !o.copied), authors.get(network) ?? []) : new Map<string, BridgeEvent>();
          for (const original of list) {
            if (!(await this.stillWanted(podId))) return await this.save(podId, { ...progress, state: 'done', lastError: 'the archive was turned off', finishedAt: this.now().toISOString() });
            await this.copyOne(pod, original, source, events.get(original.nativeId), progress);
            progress.done++;
            if (Date.now() - saved > HEARTBEAT_MS / 3 || progress.done === progress.total) {
              await this.save(podId, progress);
              saved = Date.now();
            }
          }
        }
      }
      return await this.save(podId, { ...progress, state: 'done', finishedAt: this.now().toISOString() });
    } catch (err) {
      log.warn('archive backfill failed', { podId, err: String(err) });
      return this.save(podId, { ...progress, state: 'failed', lastError: err instanceof DeliveryError ? err.describe() : String(err), finishedAt: this.now().toISOString() });
    }
  }

  private async copyOne(pod: PodRow, original: Candidate, source: HistorySource | undefined, event: BridgeEvent | undefined, progress: BackfillProgress): Promise<void> {
    if (original.copied) return void progress.alreadyThere++;
    if (!source) return void (progress.unsupported[original.network] = (progress.unsupported[original.network] ?? 0) + 1);
    if (!event) return void progress.notFound++;
    try {
      const r = await this.o.deliver(archiveCommand(pod, original, event));
      if ('skipped' in r && r.skipped) progress.notFound++;
      else progress.copied++;
    } catch (err) {
      // Access revoked stops the run (nothing else will get in); one bad post does not.
      if (err instanceof DeliveryError && err.status === 'access-revoked') throw err;
      progress.failed++;
      progress.lastError = err instanceof DeliveryError ? err.describe() : String(err);
    }
  }

  /** The account's originals on other networks, and whether the pod has a copy already. */
  private async originals(accountId: string): Promise<Candidate[]> {
    const rows: { object_key: string; network: Network; native_id: string; url: string | null; copied: boolean }[] = await this.o.ds.query(
      `SELECT o.object_key, o.network, o.native_id, o.url,
              EXISTS (SELECT 1 FROM object_map c WHERE c.object_key = o.object_key AND c.network = 'solid') AS copied
         FROM object_map o
         JOIN identities i ON i.network = o.owner_network AND i.native_id = o.owner_id
        WHERE i.account_id = $1 AND i.kind = 'native' AND o.is_original AND o.deleted_at IS NULL AND o.network <> 'solid'
        ORDER BY o.created_at, o.id`,
      [accountId],
    );
    return rows.map((r) => ({ objectKey: r.object_key, network: r.network, nativeId: r.native_id, url: r.url, copied: r.copied }));
  }

  private async authors(accountId: string): Promise<Map<Network, string[]>> {
    const rows: { network: Network; native_id: string }[] = await this.o.ds.query(`SELECT network, native_id FROM identities WHERE account_id = $1 AND kind = 'native'`, [accountId]);
    const out = new Map<Network, string[]>();
    for (const r of rows) out.set(r.network, [...(out.get(r.network) ?? []), r.native_id]);
    return out;
  }

  private async claim(podId: string, progress: BackfillProgress): Promise<boolean> {
    // TypeORM's postgres driver answers UPDATE … RETURNING with [rows, count].
    const [, claimed] = (await this.o.ds.query(
      `UPDATE solid_pods SET backfill = $2::jsonb, updated_at = now()
        WHERE id = $1 AND (backfill IS NULL OR backfill->>'state' <> 'running' OR (backfill->>'updatedAt')::timestamptz < $3::timestamptz)
        RETURNING id`,
      [podId, JSON.stringify(progress), new Date(this.now().getTime() - 4 * HEARTBEAT_MS).toISOString()],
    )) as [unknown[], number];
    return claimed > 0;
  }

  private async stillWanted(podId: string): Promise<boolean> {
    const [r]: { archive: boolean }[] = await this.o.ds.query(`SELECT archive FROM solid_pods WHERE id = $1`, [podId]);
    return r?.archive === true;
  }

  private async save(podId: string, progress: BackfillProgress): Promise<BackfillProgress> {
    progress.updatedAt = this.now().toISOString();
    await this.o.ds.query(`UPDATE solid_pods SET backfill = $2::jsonb WHERE id = $1`, [podId, JSON.stringify(progress)]);
    return progress;
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }
}

/** The archive copy of one past post, as the command live archiving would have carried. */
export function archiveCommand(pod: Pick<PodRow, 'accountId' | 'webId'>, original: Original, event: BridgeEvent): OutboundCommand {
  return {
    v: COMMAND_SCHEMA_VERSION,
    id: `archive:${original.objectKey}>solid`,
    eventId: event.id,
    target: 'solid',
    as: { accountId: pod.accountId, mode: 'native', id: pod.webId },
    event,
    objectKey: original.objectKey,
    // A reply's parent, a quote: the archive keeps the text and the link to the origin; mapping
    // them would need each parent to be in the pod first.
    refs: {},
    actors: {},
  };
}
