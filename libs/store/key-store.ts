import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox, Sealed } from './secret-box.js';

type Db = DataSource | EntityManager;

interface Row {
  id: string;
  identity_id: string | null;
  purpose: string;
  public_key: string | null;
  ciphertext: Buffer;
  iv: Buffer;
  auth_tag: Buffer;
  key_version: number;
}

/**
 * Encrypted secrets in key_material. One row per (identity, purpose); identity null is a
 * bridge-wide secret. Plaintext exists only in memory: never log what get() returns.
 */
export class KeyStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** A store bound to a transaction's manager (see FIELD-NOTES on PGlite and transactions). */
  withManager(manager: EntityManager): KeyStore {
    return new KeyStore(manager, this.box);
  }

  /** Stores or replaces the secret; returns the row id. */
  async put(identityId: string | null, purpose: string, secret: Buffer | string, publicKey?: string | null): Promise<string> {
    const sealed = this.box.seal(Buffer.from(secret), aad(identityId, purpose));
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO key_material (identity_id, purpose, public_key, ciphertext, iv, auth_tag, key_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ON CONSTRAINT uq_key_material_identity_purpose DO UPDATE SET
         public_key = EXCLUDED.public_key, ciphertext = EXCLUDED.ciphertext, iv = EXCLUDED.iv,
         auth_tag = EXCLUDED.auth_tag, key_version = EXCLUDED.key_version
       RETURNING id`,
      [identityId, purpose, publicKey ?? null, sealed.ciphertext, sealed.iv, sealed.authTag, sealed.keyVersion],
    );
    return rows[0]!.id;
  }

  /** The decrypted secret, or null when none is stored. Throws SecretBoxError when it cannot be opened. */
  async get(identityId: string | null, purpose: string): Promise<Buffer | null> {
    const row = await this.row(identityId, purpose);
    return row ? this.box.open(sealedOf(row), aad(identityId, purpose)) : null;
  }

  async getPublicKey(identityId: string | null, purpose: string): Promise<string | null> {
    const row = await this.row(identityId, purpose);
    return row?.public_key ?? null;
  }

  async delete(identityId: string | null, purpose: string): Promise<boolean> {
    const [, count] = (await this.db.query(
      `DELETE FROM key_material WHERE identity_id IS NOT DISTINCT FROM $1 AND purpose = $2`,
      [identityId, purpose],
    )) as [unknown, number];
    return count > 0;
  }

  /**
   * Re-seals rows written under older master keys with the current one. A row that does not
   * open is left as it is and reported by id (never aborting the rest of the rotation).
   */
  async rotate(): Promise<{ rotated: number; unreadable: string[] }> {
    const stale: Row[] = await this.db.query(`SELECT * FROM key_material WHERE key_version <> $1`, [this.box.currentVersion]);
    const unreadable: string[] = [];
    let rotated = 0;
    for (const row of stale) {
      const context = aad(row.identity_id, row.purpose);
      let plaintext: Buffer;
      try {
        plaintext = this.box.open(sealedOf(row), context);
      } catch {
        unreadable.push(row.id);
        continue;
      }
      const sealed = this.box.seal(plaintext, context);
      plaintext.fill(0);
      // The key_version guard skips a row someone re-wrote meanwhile.
      const [, count] = (await this.db.query(
        `UPDATE key_material SET ciphertext = $2, iv = $3, auth_tag = $4, key_version = $5 WHERE id = $1 AND key_version = $6`,
        [row.id, sealed.ciphertext, sealed.iv, sealed.authTag, sealed.keyVersion, row.key_version],
      )) as [unknown, number];
      rotated += count;
    }
    return { rotated, unreadable };
  }

  private async row(identityId: string | null, purpose: string): Promise<Row | undefined> {
    const rows: Row[] = await this.db.query(
      `SELECT * FROM key_material WHERE identity_id IS NOT DISTINCT FROM $1 AND purpose = $2`,
      [identityId, purpose],
    );
    return rows[0];
  }
}

/** Binds each ciphertext to its row's identity and purpose (a swapped row will not open). */
function aad(identityId: string | null, purpose: string): string {
  return `pontis:key_material:${identityId ?? '*'}:${purpose}`;
}

function sealedOf(row: Row): Sealed {
  return { ciphertext: row.ciphertext, iv: row.iv, authTag: row.auth_tag, keyVersion: row.key_version };
}
