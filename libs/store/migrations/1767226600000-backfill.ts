import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backfill: a person asks for their last N posts on one network to be mirrored (libs/backfill).
 * A job is claimed by the adapter process of that network under a lease, so a crashed owner's job
 * is resumed by the next one; its items are the events it will publish, in order, so a restart
 * resumes after the last one published instead of fetching again.
 */
export class Backfill1767226600000 implements MigrationInterface {
  name = 'Backfill1767226600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backfill_jobs (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        network text NOT NULL,
        native_id text NOT NULL,
        count integer NOT NULL,
        state text NOT NULL DEFAULT 'queued',
        attempts integer NOT NULL DEFAULT 0,
        error text NULL,
        fetched_at timestamptz NULL,
        lease_owner text NULL,
        lease_until timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz NULL,
        finished_at timestamptz NULL,
        CONSTRAINT pk_backfill_jobs PRIMARY KEY (id),
        CONSTRAINT ck_backfill_jobs_state CHECK (state IN ('queued','running','done','failed')),
        CONSTRAINT ck_backfill_jobs_count CHECK (count BETWEEN 1 AND 1000),
        CONSTRAINT fk_backfill_jobs_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
      )`);
    // One live job per person and network: asking again while one runs answers the running one.
    await q.query(`CREATE UNIQUE INDEX uq_backfill_jobs_live ON backfill_jobs (account_id, network) WHERE state IN ('queued','running')`);
    await q.query(`CREATE INDEX ix_backfill_jobs_account ON backfill_jobs (account_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE backfill_items (
        job_id uuid NOT NULL,
        seq integer NOT NULL,
        role text NOT NULL,
        event_id text NOT NULL,
        event jsonb NOT NULL,
        published_at timestamptz NULL,
        CONSTRAINT pk_backfill_items PRIMARY KEY (job_id, seq),
        CONSTRAINT ck_backfill_items_role CHECK (role IN ('post','root','parent')),
        CONSTRAINT fk_backfill_items_job FOREIGN KEY (job_id) REFERENCES backfill_jobs (id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE backfill_items`);
    await q.query(`DROP TABLE backfill_jobs`);
  }
}
