import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbound runner delivers the commands of one account in lanes (libs/adapter/README.md,
 * "Lanes"): a parked command blocks the later commands of its lane only, so the claim must know a
 * parked row's lane. Written when a command is parked; null (older rows) blocks every lane.
 */
export class DeliveryLanes1767226800000 implements MigrationInterface {
  name = 'DeliveryLanes1767226800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries ADD COLUMN lane text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries DROP COLUMN lane`);
  }
}
