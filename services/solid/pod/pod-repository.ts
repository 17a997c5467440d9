import type { DataSource } from 'typeorm';
import type { Folder, ResourceKind } from '../mapping/index.js';

export interface Channel {
  id: string;
  topic: string;
  /** ISO time the pod server ends the channel. */
  expiresAt: string;
}

export interface PodRow {
  id: string;
  accountId: string;
  identityId: string;
  webId: string;
  storageUrl: string;
  socialUrl: string;
  mode: 'bridged' | 'linked';
  access: 'ok' | 'revoked' | 'error';
  lastError: string | null;
  archive: boolean;
  ready: boolean;
  channels: Channel[];
  reconciledAt: Date | null;
  /** The archive backfill's progress (archive/archive-backfill.ts), null before the first one. */
  backfill: Record<string, unknown> | null;
}

export interface ResourceRow {
  url: string;
  etag: string | null;
  kind: ResourceKind | null;
  author: string | null;
  /** Whom a Follow followed (its removal becomes follow.deleted of that person). */
  subject?: string | null;
  lastError: string | null;
}

const POD_COLUMNS = `id, account_id AS "accountId", identity_id AS "identityId", web_id AS "webId", storage_url AS "storageUrl", social_url AS "socialUrl",
  mode, access, last_error AS "lastError", archive, backfill, ready, channels, reconciled_at AS "reconciledAt"`;

/** The Solid adapter's SQL (solid_pods, solid_resources, solid_inbox_copies). */
export class PodRepository {
  constructor(private readonly ds: DataSource) {}

  async byAccount(accountId: string, mode: 'bridged' | 'linked'): Promise<PodRow | undefined> {
    const rows: PodRow[] = await this.ds.query(`SELECT ${POD_COLUMNS} FROM solid_pods WHERE account_id = $1 AND mode = $2 ORDER BY created_at LIMIT 1`, [accountId, mode]);
    return rows[0];
  }

  async byId(id: string): Promise<PodRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return ((await this.ds.query(`SELECT ${POD_COLUMNS} FROM solid_pods WHERE id = $1`, [id])) as PodRow[])[0];
  }

  async byWebId(webId: string): Promise<PodRow | undefined> {
    return ((await this.ds.query(`SELECT ${POD_COLUMNS} FROM solid_pods WHERE web_id = $1`, [webId])) as PodRow[])[0];
  }

  async linked(): Promise<PodRow[]> {
    return this.ds.query(`SELECT ${POD_COLUMNS} FROM solid_pods WHERE mode = 'linked' AND ready ORDER BY created_at`);
  }

  /** The known pods whose `social/` holds these URLs (a reply's parent, a liked post). */
  async socialContaining(urls: string[]): Promise<Map<string, string>> {
    if (!urls.length) return new Map();
    const rows: { url: string; social_url: string }[] = await this.ds.query(
      `SELECT u.url, p.social_url FROM unnest($1::text[]) AS u(url) JOIN solid_pods p ON starts_with(u.url, p.social_url)`,
      [urls],
    );
    return new Map(rows.map((r) => [r.url, r.social_url]));
  }

  async insert(p: Omit<PodRow, 'id' | 'access' | 'lastError' | 'archive' | 'backfill' | 'channels' | 'reconciledAt' | 'ready'>, db: Pick<DataSource, 'query'> = this.ds): Promise<string> {
    const rows: { id: string }[] = await db.query(
      `INSERT INTO solid_pods (account_id, identity_id, web_id, storage_url, social_url, mode) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (web_id) DO UPDATE SET updated_at = now() RETURNING id`,
      [p.accountId, p.identityId, p.webId, p.storageUrl, p.socialUrl, p.mode],
    );
    return rows[0]!.id;
  }

  async markReady(id: string): Promise<void> {
    await this.ds.query(`UPDATE solid_pods SET ready = true, updated_at = now() WHERE id = $1`, [id]);
  }

  async setAccess(id: string, access: PodRow['access'], lastError: string | null): Promise<void> {
    await this.ds.query(`UPDATE solid_pods SET access = $2, last_error = $3, updated_at = now() WHERE id = $1`, [id, access, lastError]);
  }

  async reconciled(id: string): Promise<void> {
    await this.ds.query(`UPDATE solid_pods SET reconciled_at = now(), access = 'ok', last_error = NULL, updated_at = now() WHERE id = $1`, [id]);
  }

  async setChannels(id: string, channels: Channel[]): Promise<void> {
    await this.ds.query(`UPDATE solid_pods SET channels = $2, updated_at = now() WHERE id = $1`, [id, JSON.stringify(channels)]);
  }

  async setArchive(id: string, on: boolean): Promise<void> {
    await this.ds.query(`UPDATE solid_pods SET archive = $2, updated_at = now() WHERE id = $1`, [id, on]);
  }

  async resources(podId: string, folder: Folder | 'profile'): Promise<Map<string, ResourceRow>> {
    const rows: (ResourceRow & { url: string })[] = await this.ds.query(
      `SELECT url, etag, kind, author, subject, last_error AS "lastError" FROM solid_resources WHERE pod_id = $1 AND folder = $2`,
      [podId, folder],
    );
    return new Map(rows.map((r) => [r.url, r]));
  }

  /** Only these members' rows (a notification names one; the folder may hold thousands). */
  async resourcesAt(podId: string, folder: Folder | 'profile', urls: string[]): Promise<Map<string, ResourceRow>> {
    const rows: ResourceRow[] = await this.ds.query(
      `SELECT url, etag, kind, author, subject, last_error AS "lastError" FROM solid_resources WHERE pod_id = $1 AND folder = $2 AND url = ANY($3)`,
      [podId, folder, urls],
    );
    return new Map(rows.map((r) => [r.url, r]));
  }

  async saveResource(podId: string, folder: Folder | 'profile', r: ResourceRow): Promise<void> {
    await this.ds.query(
      `INSERT INTO solid_resources (url, pod_id, folder, etag, kind, author, subject, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (url) DO UPDATE SET etag = EXCLUDED.etag, kind = COALESCE(EXCLUDED.kind, solid_resources.kind),
         author = COALESCE(EXCLUDED.author, solid_resources.author), subject = COALESCE(EXCLUDED.subject, solid_resources.subject),
         last_error = EXCLUDED.last_error, seen_at = now()`,
      [r.url, podId, folder, r.etag, r.kind, r.author, r.subject ?? null, r.lastError],
    );
  }

  async forgetResource(url: string): Promise<void> {
    await this.ds.query(`DELETE FROM solid_resources WHERE url = $1`, [url]);
  }

  async counts(podId: string): Promise<{ resources: number; errors: number }> {
    const [r]: { resources: string; errors: string }[] = await this.ds.query(
      `SELECT count(*) AS resources, count(*) FILTER (WHERE last_error IS NOT NULL) AS errors FROM solid_resources WHERE pod_id = $1`,
      [podId],
    );
    return { resources: Number(r?.resources ?? 0), errors: Number(r?.errors ?? 0) };
  }

  async errors(podId: string, limit = 20): Promise<{ url: string; error: string }[]> {
    return this.ds.query(`SELECT url, last_error AS error FROM solid_resources WHERE pod_id = $1 AND last_error IS NOT NULL ORDER BY seen_at DESC LIMIT $2`, [podId, limit]);
  }

  async addInboxCopy(copyUrl: string, inboxUrl: string): Promise<void> {
    await this.ds.query(`INSERT INTO solid_inbox_copies (copy_url, inbox_url) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [copyUrl, inboxUrl]);
  }

  async inboxCopies(copyUrl: string): Promise<string[]> {
    return ((await this.ds.query(`SELECT inbox_url FROM solid_inbox_copies WHERE copy_url = $1`, [copyUrl])) as { inbox_url: string }[]).map((r) => r.inbox_url);
  }

  async forgetInboxCopy(copyUrl: string, inboxUrl: string): Promise<void> {
    await this.ds.query(`DELETE FROM solid_inbox_copies WHERE copy_url = $1 AND inbox_url = $2`, [copyUrl, inboxUrl]);
  }
}
