import type { NodeSavedSession, NodeSavedSessionStore, NodeSavedState, NodeSavedStateStore } from '@atproto/oauth-client-node';
import type { DataSource } from 'typeorm';
import type { KeyStore } from '../../../../libs/store/index.js';

/**
 * key_material purposes of the OAuth client's data. Both hold a DPoP private key (and sessions
 * their refresh token), so both are sealed with the master key like every other secret. They are
 * bridge-wide rows (identity null), keyed in the purpose: the library hands us a session before
 * the identity row exists (during the callback), and a state belongs to nobody yet.
 */
export const OAUTH_PURPOSE = {
  state: (key: string) => `atproto.oauth.state:${key}`,
  session: (did: string) => `atproto.oauth.session:${did}`,
} as const;

/** An authorization the person never finished is worth nothing after this (the library's advice: an hour is plenty). */
export const STATE_TTL_MS = 60 * 60 * 1000;

const read = async <T>(keys: KeyStore, purpose: string): Promise<T | undefined> => {
  const raw = await keys.get(null, purpose);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } finally {
    raw.fill(0);
  }
};

/** Pending authorizations (PKCE verifier, DPoP key, issuer), one row each, dropped on use or after an hour. */
export class PgOAuthStateStore implements NodeSavedStateStore {
  constructor(
    private readonly ds: DataSource,
    private readonly keys: KeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  async set(key: string, state: NodeSavedState): Promise<void> {
    await this.sweep();
    await this.keys.put(null, OAUTH_PURPOSE.state(key), JSON.stringify(state));
  }

  async get(key: string): Promise<NodeSavedState | undefined> {
    const rows: { fresh: boolean }[] = await this.ds.query(`SELECT created_at > $2 AS fresh FROM key_material WHERE identity_id IS NULL AND purpose = $1`, [
      OAUTH_PURPOSE.state(key),
      new Date(this.now() - STATE_TTL_MS),
    ]);
    if (!rows[0]?.fresh) return undefined;
    return read<NodeSavedState>(this.keys, OAUTH_PURPOSE.state(key));
  }

  async del(key: string): Promise<void> {
    await this.keys.delete(null, OAUTH_PURPOSE.state(key));
  }

  /** Abandoned authorizations (the person closed the tab) would otherwise stay forever. */
  private async sweep(): Promise<void> {
    await this.ds.query(`DELETE FROM key_material WHERE identity_id IS NULL AND purpose LIKE 'atproto.oauth.state:%' AND created_at < $1`, [new Date(this.now() - STATE_TTL_MS)]);
  }
}

/** OAuth sessions by DID: token set (access + refresh token), DPoP key, client auth method. */
export class PgOAuthSessionStore implements NodeSavedSessionStore {
  constructor(
    private readonly ds: DataSource,
    private readonly keys: KeyStore,
  ) {}

  async set(did: string, session: NodeSavedSession): Promise<void> {
    await this.keys.put(null, OAUTH_PURPOSE.session(did), JSON.stringify(session));
  }

  get(did: string): Promise<NodeSavedSession | undefined> {
    return read<NodeSavedSession>(this.keys, OAUTH_PURPOSE.session(did));
  }

  async del(did: string): Promise<void> {
    await this.keys.delete(null, OAUTH_PURPOSE.session(did));
  }

  /** Whether the DID was linked with OAuth (cheap: no decryption). */
  async has(did: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(`SELECT 1 FROM key_material WHERE identity_id IS NULL AND purpose = $1`, [OAUTH_PURPOSE.session(did)]);
    return rows.length > 0;
  }
}
