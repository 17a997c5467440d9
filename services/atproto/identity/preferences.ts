import type { DataSource, EntityManager } from 'typeorm';

/** How text over 300 graphemes goes to Bluesky: cut with a link to the original (default), or a thread of self-replies. */
export type LongTextMode = 'truncate' | 'thread';
export const LONG_TEXT_MODES: readonly LongTextMode[] = ['truncate', 'thread'];

export function isLongTextMode(v: unknown): v is LongTextMode {
  return typeof v === 'string' && (LONG_TEXT_MODES as readonly string[]).includes(v);
}

/** The account's choice (accounts.preferences.atproto.longText). */
export async function longTextMode(db: DataSource | EntityManager, accountId: string): Promise<LongTextMode> {
  const rows: { mode: string | null }[] = await db.query(`SELECT preferences->'atproto'->>'longText' AS mode FROM accounts WHERE id = $1`, [accountId]);
  const mode = rows[0]?.mode;
  return isLongTextMode(mode) ? mode : 'truncate';
}

export async function setLongTextMode(db: DataSource | EntityManager, accountId: string, mode: LongTextMode): Promise<void> {
  await db.query(
    `UPDATE accounts SET preferences = jsonb_set(preferences, '{atproto}', COALESCE(preferences->'atproto', '{}'::jsonb) || jsonb_build_object('longText', $2::text)), updated_at = now() WHERE id = $1`,
    [accountId, mode],
  );
}
