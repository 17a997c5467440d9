import type { DataSource, EntityManager } from 'typeorm';

/** One audit_log row; call it with the transaction's manager so the action and its record commit together. */
export async function recordAudit(db: DataSource | EntityManager, actor: string, action: string, target: string | null, detail: Record<string, unknown> = {}): Promise<void> {
  await db.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)`, [actor, action, target, JSON.stringify(detail)]);
}

/** How an API token appears in the audit log. */
export function tokenActor(name: string): string {
  return `token:${name}`;
}

/** TypeORM's postgres driver answers an UPDATE or DELETE ... RETURNING with [rows, affected], an INSERT or SELECT with rows. */
export function returnedRows<T>(result: unknown): T[] {
  const r = result as unknown[];
  return Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number' ? (r[0] as T[]) : (r as T[]);
}
