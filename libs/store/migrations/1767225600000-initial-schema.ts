import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema, hand-written so what runs in production is what was reviewed.
 * Unqualified names: they land in the first schema of search_path, which
 * createDataSource points at the configured schema.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    // An extension exists once per database. Pinning it to public keeps it out of
    // per-test/per-tenant schemas, whose DROP SCHEMA ... CASCADE would remove it for everyone.
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public`);

    await q.query(`
      CREATE TABLE accounts (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        display_name text NULL,
        consent text NOT NULL DEFAULT 'pending',
        status text NOT NULL DEFAULT 'active',
        mirror jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_accounts PRIMARY KEY (id),
        CONSTRAINT ck_accounts_consent CHECK (consent IN ('pending','opted_in','opted_out')),
        CONSTRAINT ck_accounts_status CHECK (status IN ('active','taken_down','deleted'))
      )`);

    await q.query(`
      CREATE TABLE identities (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        network text NOT NULL,
        native_id text NOT NULL,
        handle text NULL,
        kind text NOT NULL,
        verified_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identities PRIMARY KEY (id),
        CONSTRAINT uq_identities_network_native_id UNIQUE (network, native_id),
        CONSTRAINT ck_identities_kind CHECK (kind IN ('native','bridged')),
        CONSTRAINT fk_identities_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ix_identities_account_id ON identities (account_id)`);
    // Handles are case-insensitive on every network; lookups use lower(handle).
    await q.query(`CREATE INDEX ix_identities_network_lower_handle ON identities (network, lower(handle))`);

    await q.query(`
      CREATE TABLE object_map (
        id bigserial NOT NULL,
        object_key uuid NOT NULL,
        network text NOT NULL,
        native_id text NOT NULL,
        cid text NULL,
        url text NULL,
        is_original boolean NOT NULL,
        deleted_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_object_map PRIMARY KEY (id),
        CONSTRAINT uq_object_map_network_native_id UNIQUE (network, native_id)
      )`);
    await q.query(`CREATE INDEX ix_object_map_object_key_network ON object_map (object_key, network)`);

    await q.query(`
      CREATE TABLE deliveries (
        id bigserial NOT NULL,
        command_id text NOT NULL,
        event_id text NOT NULL,
        target text NOT NULL,
        account_id uuid NULL,
        status text NOT NULL DEFAULT 'queued',
        attempts integer NOT NULL DEFAULT 0,
        last_error text NULL,
        next_attempt_at timestamptz NULL,
        native_id text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_deliveries PRIMARY KEY (id),
        CONSTRAINT uq_deliveries_command_id UNIQUE (command_id),
        CONSTRAINT uq_deliveries_event_target UNIQUE (event_id, target),
        CONSTRAINT ck_deliveries_status CHECK (status IN ('queued','delivered','failed','gone','dead'))
      )`);
    await q.query(`CREATE INDEX ix_deliveries_status_updated_at ON deliveries (status, updated_at)`);

    await q.query(`
      CREATE TABLE processed_events (
        event_id text NOT NULL,
        outcome text NOT NULL,
        reason text NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_processed_events PRIMARY KEY (event_id),
        CONSTRAINT ck_processed_events_outcome CHECK (outcome IN ('bridged','dropped','held','invalid'))
      )`);

    await q.query(`
      CREATE TABLE pending_events (
        id bigserial NOT NULL,
        event_id text NOT NULL,
        target text NOT NULL,
        payload jsonb NOT NULL,
        wait_network text NOT NULL,
        wait_native_id text NOT NULL,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deadline timestamptz NOT NULL,
        CONSTRAINT pk_pending_events PRIMARY KEY (id),
        CONSTRAINT uq_pending_events_event_target UNIQUE (event_id, target)
      )`);
    await q.query(`CREATE INDEX ix_pending_events_wait ON pending_events (wait_network, wait_native_id)`);
    await q.query(`CREATE INDEX ix_pending_events_deadline ON pending_events (deadline)`);

    await q.query(`
      CREATE TABLE dead_letters (
        id bigserial NOT NULL,
        topic text NOT NULL,
        message_key text NULL,
        payload text NOT NULL,
        reason text NOT NULL,
        source text NOT NULL,
        event_id text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz NULL,
        CONSTRAINT pk_dead_letters PRIMARY KEY (id),
        CONSTRAINT ck_dead_letters_source CHECK (source IN ('validation','delivery','pending-timeout','translation'))
      )`);
    await q.query(`CREATE INDEX ix_dead_letters_created_at ON dead_letters (created_at)`);

    await q.query(`
      CREATE TABLE cursors (
        name text NOT NULL,
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_cursors PRIMARY KEY (name)
      )`);

    // NULLS NOT DISTINCT (Postgres 15+): one bridge-wide (identity_id NULL) key per purpose.
    await q.query(`
      CREATE TABLE key_material (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        identity_id uuid NULL,
        purpose text NOT NULL,
        public_key text NULL,
        ciphertext bytea NOT NULL,
        iv bytea NOT NULL,
        auth_tag bytea NOT NULL,
        key_version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_key_material PRIMARY KEY (id),
        CONSTRAINT uq_key_material_identity_purpose UNIQUE NULLS NOT DISTINCT (identity_id, purpose),
        CONSTRAINT fk_key_material_identity FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE settings (
        key text NOT NULL,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_settings PRIMARY KEY (key)
      )`);

    await q.query(`
      CREATE TABLE audit_log (
        id bigserial NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target text NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_audit_log PRIMARY KEY (id)
      )`);

    // Defaults an admin can change; settings-store.ts falls back to the same values if a row is missing.
    await q.query(`
      INSERT INTO settings (key, value) VALUES
        ('networks', '{"activitypub":true,"atproto":true,"nostr":true,"solid":true}'),
        ('domains.blocked', '[]'),
        ('domains.allowed', '[]'),
        ('consent.default', '"opt-in"')
      ON CONFLICT (key) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The pgcrypto extension stays: other schemas in the database may use it.
    for (const table of [
      'audit_log', 'settings', 'key_material', 'cursors', 'dead_letters', 'pending_events',
      'processed_events', 'deliveries', 'object_map', 'identities', 'accounts',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
