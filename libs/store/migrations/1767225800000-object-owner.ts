import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who created an original, and one bridged identity per handle. Without the owner, anyone could edit or delete someone else's bridged copies
 * by naming their ids in a Delete, a kind-5 or a record deletion. The translator allows updates
 * and removals only from the owner or another identity of the owner's account.
 */
export class ObjectOwner1767225800000 implements MigrationInterface {
  name = 'ObjectOwner1767225800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE object_map ADD COLUMN owner_network text NULL, ADD COLUMN owner_id text NULL`);
    // "skipped": the adapter handled the command but its network cannot express it, so no copy
    // will ever exist there; replies and undos pointing at it are skipped rather than held.
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT ck_deliveries_status`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT ck_deliveries_status CHECK (status IN ('queued','delivered','skipped','failed','gone','dead'))`);
    // Two proxies must never answer to one name (NIP-05, WebFinger): a race between two
    // provisioners fails on this index instead of silently sharing the name.
    await q.query(`CREATE UNIQUE INDEX uq_identities_bridged_handle ON identities (network, lower(handle)) WHERE kind = 'bridged' AND handle IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX uq_identities_bridged_handle`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT ck_deliveries_status`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT ck_deliveries_status CHECK (status IN ('queued','delivered','failed','gone','dead'))`);
    await q.query(`ALTER TABLE object_map DROP COLUMN owner_network, DROP COLUMN owner_id`);
  }
}
