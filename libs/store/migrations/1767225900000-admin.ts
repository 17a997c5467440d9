import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin API tokens. Only a SHA-256 of the secret is stored: tokens are 256 random bits, so a
 * slow hash adds nothing, and a leaked table row cannot be turned back into a working token.
 * `prefix` (the first characters of the secret) lets a person tell their tokens apart.
 */
export class Admin1767225900000 implements MigrationInterface {
  name = 'Admin1767225900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_tokens (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL,
        token_hash text NOT NULL,
        prefix text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NULL,
        revoked_at timestamptz NULL,
        CONSTRAINT pk_admin_tokens PRIMARY KEY (id),
        CONSTRAINT uq_admin_tokens_token_hash UNIQUE (token_hash),
        CONSTRAINT ck_admin_tokens_role CHECK (role IN ('admin','moderator'))
      )`);
    // Names say whose token it is; two live tokens with one name would make the audit log ambiguous.
    await q.query(`CREATE UNIQUE INDEX uq_admin_tokens_live_name ON admin_tokens (name) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX uq_admin_tokens_live_name`);
    await q.query(`DROP TABLE admin_tokens`);
  }
}
