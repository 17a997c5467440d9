import type { DataSource } from 'typeorm';
import { createLogger } from '../../../libs/observability/index.js';
import { DidSet } from './did-set.js';

const log = createLogger('atproto-watch');

/**
 * Whom the firehose ingest listens to: people who linked their own Bluesky account (native
 * identities), held as a DidSet (sized for millions); and our own bridged accounts, whose
 * records are our copies coming back (echo), never bridged. Refreshed from Postgres
 * periodically and when someone links (refresh()).
 */
export class WatchList {
  private watched = new DidSet();
  private bridged = new DidSet();
  private handles = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ds: DataSource,
    private readonly opts: { refreshMs?: number } = {},
  ) {}

  get size(): number {
    return this.watched.size;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((err: Error) => log.warn('watch list refresh failed', { err: err.message })), this.opts.refreshMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    // Streamed in pages would be kinder at millions; one query is fine well past 100k rows.
    const rows: { native_id: string; handle: string | null; kind: string }[] = await this.ds.query(
      `SELECT i.native_id, i.handle, i.kind FROM identities i JOIN accounts a ON a.id = i.account_id
        WHERE i.network = 'atproto' AND i.native_id LIKE 'did:%' AND (i.kind = 'bridged' OR a.consent = 'opted_in')`,
    );
    const watched = new DidSet([], rows.length);
    const bridged = new DidSet();
    const handles = new Map<string, string>();
    for (const r of rows) {
      if (r.kind === 'bridged') bridged.add(r.native_id);
      else {
        watched.add(r.native_id);
        if (r.handle) handles.set(r.native_id, r.handle);
      }
    }
    this.watched = watched;
    this.bridged = bridged;
    this.handles = handles;
  }

  isWatched(did: string): boolean {
    return this.watched.has(did) && !this.bridged.has(did);
  }

  isBridged(did: string): boolean {
    return this.bridged.has(did);
  }

  handleOf(did: string): string | undefined {
    return this.handles.get(did);
  }

  setHandle(did: string, handle: string): void {
    this.handles.set(did, handle);
  }
}
