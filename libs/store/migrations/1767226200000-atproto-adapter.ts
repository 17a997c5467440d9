import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * AT Protocol record bookkeeping. A firehose delete carries only (did, collection, rkey), never
 * the record: to turn the delete of a follow into follow.deleted we must have kept whom it
 * followed. The same rows name our own follows and blocks, so an unfollow finds the record to
 * delete by subject. `cid` keeps the version a strong ref needs.
 */
export class AtprotoAdapter1767226200000 implements MigrationInterface {
  name = 'AtprotoAdapter1767226200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE atproto_records (
        did text NOT NULL,
        collection text NOT NULL,
        rkey text NOT NULL,
        cid text NULL,
        subject text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_atproto_records PRIMARY KEY (did, collection, rkey)
      )`);
    await q.query(`CREATE INDEX ix_atproto_records_subject ON atproto_records (did, collection, subject) WHERE subject IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE atproto_records`);
  }
}
