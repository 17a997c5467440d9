import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The translator must know whether an object is on its way to a network (a queued delivery or
 * a held event) to decide if a reply, like or delete pointing at it should wait or give up.
 * Both tables get the object map key so that question is one indexed lookup.
 */
export class ObjectKeysOnLedger1767225700000 implements MigrationInterface {
  name = 'ObjectKeysOnLedger1767225700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries ADD COLUMN object_key uuid NULL`);
    await q.query(`CREATE INDEX ix_deliveries_object_key ON deliveries (object_key, target)`);
    await q.query(`ALTER TABLE pending_events ADD COLUMN object_key uuid NULL`);
    await q.query(`CREATE INDEX ix_pending_events_object_key ON pending_events (object_key, target)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_pending_events_object_key`);
    await q.query(`ALTER TABLE pending_events DROP COLUMN object_key`);
    await q.query(`DROP INDEX ix_deliveries_object_key`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN object_key`);
  }
}
