import type { DataSource, EntityManager } from 'typeorm';

type Db = DataSource | EntityManager;

/** The stored cursor, or null on a first start. */
export async function getCursor(db: Db, name: string): Promise<string | null> {
  const rows: { value: string }[] = await db.query(`SELECT value FROM cursors WHERE name = $1`, [name]);
  return rows[0]?.value ?? null;
}

/**
 * Upsert. Pass the transaction's manager when the cursor must move together with the
 * rows it covers, so a crash never skips (or replays past) recorded work.
 */
export async function setCursor(db: Db, name: string, value: string): Promise<void> {
  await db.query(
    `INSERT INTO cursors (name, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [name, value],
  );
}

export async function listCursors(db: Db): Promise<{ name: string; value: string; updatedAt: Date }[]> {
  const rows: { name: string; value: string; updated_at: Date }[] = await db.query(`SELECT name, value, updated_at FROM cursors ORDER BY name`);
  return rows.map((r) => ({ name: r.name, value: r.value, updatedAt: r.updated_at }));
}

/** Same functions bound to one DataSource or manager, for injection. */
export class CursorStore {
  constructor(private readonly db: Db) {}
  get(name: string): Promise<string | null> {
    return getCursor(this.db, name);
  }
  set(name: string, value: string): Promise<void> {
    return setCursor(this.db, name, value);
  }
  list(): Promise<{ name: string; value: string; updatedAt: Date }[]> {
    return listCursors(this.db);
  }
}
