import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { loadConfig } from '../../libs/config/index.js';
import { setLogLevel } from '../../libs/observability/index.js';
import { openDatabase } from '../../libs/platform/database.js';
import type { AdminRole } from '../gateway/auth/admin-token.js';
import { AdminTokenRepository, type CreatedToken } from '../gateway/auth/admin-token.repository.js';

/**
 * The first token cannot come from the API (nobody could call it yet), so it is written straight
 * into the database, migrating it first if needed. Audited as `cli:<os user>`.
 */
export async function createTokenInDatabase(o: { env: Record<string, string | undefined>; databaseUrl?: string; schema?: string; name: string; role: AdminRole }): Promise<CreatedToken> {
  const config = loadConfig({
    ...o.env,
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    ...(o.schema ? { DATABASE_SCHEMA: o.schema } : {}),
    // Tokens are hashed, never encrypted: the master key is not used here, so its absence must not stop the tool.
    PONTIS_MASTER_KEY: o.env.PONTIS_MASTER_KEY || randomBytes(32).toString('base64'),
    LOG_LEVEL: 'error',
  });
  setLogLevel('warn');
  const db = await openDatabase(config);
  try {
    return await new AdminTokenRepository(db.dataSource).create({ name: o.name, role: o.role, actor: `cli:${safeUser()}` });
  } finally {
    await db.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
