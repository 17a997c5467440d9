import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ActivityPub adapter's store for activitypub-express (its IApexStore, in place of MongoDB):
 * objects (actors, notes, cached remote documents), stream items (activities with the
 * collections they belong to), cached JSON-LD contexts and apex's delivery queue.
 * Actor private keys are never in these tables: they are sealed in key_material-style columns
 * (see services/activitypub/store).
 */
export class ActivitypubAdapter1767226100000 implements MigrationInterface {
  name = 'ActivitypubAdapter1767226100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ap_objects (
        id text NOT NULL,
        type text NULL,
        doc jsonb NOT NULL,
        meta jsonb NOT NULL DEFAULT '{}',
        local_actor boolean NOT NULL DEFAULT false,
        sealed_key jsonb NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_ap_objects PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX ix_ap_objects_local_actor ON ap_objects (local_actor) WHERE local_actor`);
    await q.query(`
      CREATE TABLE ap_streams (
        seq bigserial NOT NULL,
        id text NOT NULL,
        actor text NULL,
        object_ids text[] NOT NULL DEFAULT '{}',
        collections text[] NOT NULL DEFAULT '{}',
        doc jsonb NOT NULL,
        meta jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT pk_ap_streams PRIMARY KEY (seq),
        CONSTRAINT uq_ap_streams_id UNIQUE (id)
      )`);
    await q.query(`CREATE INDEX ix_ap_streams_collections ON ap_streams USING gin (collections)`);
    await q.query(`CREATE INDEX ix_ap_streams_object_ids ON ap_streams USING gin (object_ids)`);
    await q.query(`
      CREATE TABLE ap_contexts (
        document_url text NOT NULL,
        context_url text NULL,
        document jsonb NOT NULL,
        CONSTRAINT pk_ap_contexts PRIMARY KEY (document_url)
      )`);
    await q.query(`
      CREATE TABLE ap_delivery_queue (
        id bigserial NOT NULL,
        address text NOT NULL,
        actor_id text NOT NULL,
        body text NOT NULL,
        attempt integer NOT NULL DEFAULT 0,
        after timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_ap_delivery_queue PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX ix_ap_delivery_queue_after ON ap_delivery_queue (after, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ap_delivery_queue`);
    await q.query(`DROP TABLE ap_contexts`);
    await q.query(`DROP TABLE ap_streams`);
    await q.query(`DROP TABLE ap_objects`);
  }
}
