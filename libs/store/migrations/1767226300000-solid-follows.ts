import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follows in pods (an AS2 `Follow` in a person's outbox). A resource that disappears is known only
 * by what was kept about it: to turn a removed Follow into follow.deleted we must have kept whom
 * it followed, as for AT Protocol records.
 */
export class SolidFollows1767226300000 implements MigrationInterface {
  name = 'SolidFollows1767226300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE solid_resources ADD COLUMN subject text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE solid_resources DROP COLUMN subject`);
  }
}
