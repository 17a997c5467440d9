import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's choices about how their posts look elsewhere, per network, e.g.
 * `{"atproto": {"longText": "thread"}}` (long text as a Bluesky thread instead of cut with a link).
 * One jsonb beside `mirror`: adapters read their own key and ignore the others.
 */
export class AccountPreferences1767226250000 implements MigrationInterface {
  name = 'AccountPreferences1767226250000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts DROP COLUMN preferences`);
  }
}
