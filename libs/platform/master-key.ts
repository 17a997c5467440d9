import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The master key that encrypts private keys and tokens at rest. Production passes it in
 * (PONTIS_MASTER_KEY, from a Secret); the embedded mode keeps one beside its data, created on
 * first start with owner-only permissions, so a newcomer has nothing to set up.
 */
export function resolveMasterKey(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}
