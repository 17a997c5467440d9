import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Solid adapter's state: the pods it writes to or watches (a bridged pod on the bridge's own
 * server, or a person's own pod they linked), what it has seen in each watched container (URL →
 * ETag, for reconciliation), and which inbox notices a copy left (so a delete removes them too).
 */
export class SolidAdapter1767226000000 implements MigrationInterface {
  name = 'SolidAdapter1767226000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE solid_pods (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        identity_id uuid NOT NULL,
        web_id text NOT NULL,
        storage_url text NOT NULL,
        social_url text NOT NULL,
        mode text NOT NULL,
        access text NOT NULL DEFAULT 'ok',
        last_error text NULL,
        archive boolean NOT NULL DEFAULT false,
        backfill jsonb NULL,
        ready boolean NOT NULL DEFAULT false,
        channels jsonb NOT NULL DEFAULT '[]',
        reconciled_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_solid_pods PRIMARY KEY (id),
        CONSTRAINT uq_solid_pods_web_id UNIQUE (web_id),
        CONSTRAINT uq_solid_pods_identity UNIQUE (identity_id),
        CONSTRAINT ck_solid_pods_mode CHECK (mode IN ('bridged','linked')),
        CONSTRAINT ck_solid_pods_access CHECK (access IN ('ok','revoked','error')),
        CONSTRAINT fk_solid_pods_account FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE,
        CONSTRAINT fk_solid_pods_identity FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ix_solid_pods_account ON solid_pods (account_id)`);
    await q.query(`
      CREATE TABLE solid_resources (
        url text NOT NULL,
        pod_id uuid NOT NULL,
        folder text NOT NULL,
        etag text NULL,
        kind text NULL,
        author text NULL,
        last_error text NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_solid_resources PRIMARY KEY (url),
        CONSTRAINT ck_solid_resources_folder CHECK (folder IN ('outbox','inbox','profile')),
        CONSTRAINT fk_solid_resources_pod FOREIGN KEY (pod_id) REFERENCES solid_pods(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ix_solid_resources_pod ON solid_resources (pod_id, folder)`);
    await q.query(`
      CREATE TABLE solid_inbox_copies (
        copy_url text NOT NULL,
        inbox_url text NOT NULL,
        CONSTRAINT pk_solid_inbox_copies PRIMARY KEY (copy_url, inbox_url)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE solid_inbox_copies`);
    await q.query(`DROP TABLE solid_resources`);
    await q.query(`DROP TABLE solid_pods`);
  }
}
