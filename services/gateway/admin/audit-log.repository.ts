import type { DataSource } from 'typeorm';
import type { Page } from '../http/input.js';

export interface AuditFilter {
  actor?: string;
  /** Exact action, or a prefix ending in "." (e.g. "token.") */
  action?: string;
  since?: Date;
  until?: Date;
}

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
}

export class AuditLogRepository {
  constructor(private readonly ds: DataSource) {}

  /** Newest first; limit + 1 rows so the caller can tell whether there is a next page. */
  async list(f: AuditFilter, p: Page): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.actor) add('actor = ?', f.actor);
    if (f.action) f.action.endsWith('.') ? add(`starts_with(action, ?)`, f.action) : add('action = ?', f.action);
    if (f.since) add('created_at >= ?', f.since);
    if (f.until) add('created_at < ?', f.until);
    if (p.before) add('id < ?::bigint', p.before);
    args.push(p.limit + 1);
    const rows: { id: string; actor: string; action: string; target: string | null; detail: Record<string, unknown>; created_at: Date }[] = await this.ds.query(
      `SELECT id::text, actor, action, target, detail, created_at FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_log.id DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map((r) => ({ id: r.id, actor: r.actor, action: r.action, target: r.target, detail: r.detail, createdAt: new Date(r.created_at).toISOString() }));
  }
}
