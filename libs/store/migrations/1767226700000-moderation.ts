import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moderation across networks.
 *
 * `blocks`: who blocked whom, by the native ids the block named (the blocker's identity and the
 * blocked actor, often a proxy; only blocks of identities the bridge carries). Accounts are resolved
 * when read, through `identities`, so a block of someone's proxy counts against every identity of
 * their account, and one of their own accounts linked later is covered too.
 *
 * `reports`: what someone reported about a bridged account or post, on any network, with the
 * reported accounts and objects mapped to the originals; moderators resolve or dismiss them. Where
 * it was forwarded is the delivery ledger's (`deliveries.event_id` = the report's event id).
 */
export class Moderation1767226700000 implements MigrationInterface {
  name = 'Moderation1767226700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE blocks (
        blocker_network text NOT NULL,
        blocker_id text NOT NULL,
        blocked_network text NOT NULL,
        blocked_id text NOT NULL,
        block_ref text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (blocker_network, blocker_id, blocked_network, blocked_id)
      )`);
    await q.query(`CREATE INDEX blocks_blocked ON blocks (blocked_network, blocked_id)`);
    await q.query(`
      CREATE TABLE reports (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        network text NOT NULL,
        reporter_id text NOT NULL,
        reason text NULL,
        actors jsonb NOT NULL,
        objects jsonb NOT NULL,
        account_ids uuid[] NOT NULL DEFAULT '{}',
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed')),
        note text NULL,
        decided_by text NULL,
        decided_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reports_state ON reports (state, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reports`);
    await q.query(`DROP TABLE blocks`);
  }
}
