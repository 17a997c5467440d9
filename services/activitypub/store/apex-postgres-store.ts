/**
 * activitypub-express's store (its IApexStore, store/interface.js) on Postgres through TypeORM's
 * DataSource, replacing the MongoDB default. Documents are apex's own JSON-LD form (every property
 * an array) kept as jsonb; what apex keeps in `_meta` lives beside the document:
 * - `_meta.collection` (which streams an activity is in) → `ap_streams.collections` (GIN-indexed);
 * - `_meta.privateKey` (an actor's signing key) → sealed with the master key (`sealed_key`), never
 *   stored in clear and only returned when apex asks for meta explicitly (`includeMeta === true`);
 * - anything else in `_meta` → `meta` jsonb.
 * Stream pages use the row's `seq` as apex's `_id` page cursor.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '../../../libs/store/index.js';

type Doc = Record<string, unknown>;
type Db = DataSource | EntityManager;

interface SealedJson {
  c: string;
  i: string;
  t: string;
  v: number;
}

const KEY_CONTEXT = 'pontis:ap_objects:private_key:';

function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

function idOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Doc).id === 'string') return (v as Doc).id as string;
  return undefined;
}

function firstType(doc: Doc): string | null {
  const t = asArray(doc.type)[0];
  return typeof t === 'string' ? t : null;
}

/** $1-$6 of an object row; `upsertObject` and `savePublished` share it. */
const UPSERT_OBJECT = `INSERT INTO ap_objects (id, type, doc, meta, local_actor, sealed_key) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, doc = EXCLUDED.doc, meta = EXCLUDED.meta,
         local_actor = EXCLUDED.local_actor OR ap_objects.local_actor, sealed_key = COALESCE(EXCLUDED.sealed_key, ap_objects.sealed_key), updated_at = now()`;

/** An activity row from parameter `$n` on; `saveActivity` and `savePublished` share it. */
const insertActivity = (n: number) =>
  `INSERT INTO ap_streams (id, actor, object_ids, collections, doc, meta) VALUES ($${n}, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}) ON CONFLICT (id) DO NOTHING RETURNING seq`;

function split(obj: Doc): { doc: Doc; meta: Doc } {
  const { _meta, _id, _local, ...doc } = obj as Doc & { _meta?: Doc; _id?: unknown; _local?: unknown };
  void _id;
  void _local;
  return { doc, meta: { ...(_meta ?? {}) } };
}

/** TypeORM's postgres driver answers UPDATE/DELETE … RETURNING with `[rows, count]`, INSERT/SELECT with rows. */
function returned<T>(result: unknown): T[] {
  return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as T[];
}

export class ApexPostgresStore {
  /** apex reads `store.db` only to know a store is connected. */
  db: unknown = {};

  constructor(
    private readonly ds: Db,
    private readonly box: SecretBox,
  ) {}

  // --- objects -------------------------------------------------------------------------------

  async setup(initialUser?: Doc): Promise<unknown> {
    if (initialUser) return this.upsertObject(initialUser);
    return undefined;
  }

  async getObject(id: string, includeMeta?: boolean): Promise<Doc | null> {
    const rows: { doc: Doc; meta: Doc; sealed_key: SealedJson | null }[] = await this.ds.query(`SELECT doc, meta, sealed_key FROM ap_objects WHERE id = $1`, [id]);
    const row = rows[0];
    if (!row) return null;
    // Strict comparison, like apex's Mongo store: keys leave only when asked for explicitly.
    if (includeMeta !== true) return row.doc;
    const meta: Doc = { ...row.meta };
    if (row.sealed_key) meta.privateKey = this.openKey(id, row.sealed_key);
    return { ...row.doc, _meta: meta };
  }

  async saveObject(object: Doc): Promise<boolean> {
    const { doc, meta, sealed, local } = this.prepare(object);
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO ap_objects (id, type, doc, meta, local_actor, sealed_key) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [doc.id, firstType(doc), doc, meta, local, sealed],
    );
    return rows.length > 0;
  }

  /** Insert or replace (actors we provision, refreshed remote documents). */
  async upsertObject(object: Doc): Promise<Doc> {
    const params = this.objectParams(object);
    await this.ds.query(UPSERT_OBJECT, params);
    return params[2] as Doc;
  }

  /**
   * What the deliverer publishes, in one round trip: the object (upserted, when there is one)
   * and the activity (kept if already there), as upsertObject then saveActivity would.
   */
  async savePublished(object: Doc | undefined, activity: Doc): Promise<boolean | undefined> {
    const params = object ? this.objectParams(object) : [];
    const sql = object ? `WITH o AS (${UPSERT_OBJECT}), a AS (${insertActivity(7)}) SELECT seq FROM a` : insertActivity(1);
    const rows: unknown[] = await this.ds.query(sql, [...params, ...this.activityParams(activity)]);
    return rows.length ? true : undefined;
  }

  async updateObject(obj: Doc, _actorId: string | null, fullReplace?: boolean): Promise<Doc | undefined> {
    const { doc: patch, meta } = split(obj);
    const id = patch.id as string;
    let updated: Doc | undefined;
    if (fullReplace) {
      const rows = returned<{ doc: Doc }>(await this.ds.query(`UPDATE ap_objects SET doc = $2, type = $3, updated_at = now() WHERE id = $1 RETURNING doc`, [id, patch, firstType(patch)]));
      updated = rows[0]?.doc;
    } else {
      // Mongo $set/$unset semantics: a null value removes the property.
      const set: Doc = {};
      const unset: string[] = [];
      for (const [k, v] of Object.entries(patch)) if (k !== 'id') (v === null ? unset.push(k) : (set[k] = v));
      const rows = returned<{ doc: Doc }>(await this.ds.query(`UPDATE ap_objects SET doc = (doc || $2::jsonb) - $3::text[], updated_at = now() WHERE id = $1 RETURNING doc`, [id, set, unset]));
      updated = rows[0]?.doc;
    }
    if (!updated) return undefined;
    await this.updateObjectCopies(updated);
    if (meta.privateKey) await this.ds.query(`UPDATE ap_objects SET sealed_key = $2 WHERE id = $1`, [id, this.sealKey(id, String(meta.privateKey))]);
    return updated;
  }

  async getUserCount(): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(`SELECT count(*) AS n FROM ap_objects WHERE local_actor`);
    return Number(rows[0]!.n);
  }

  // --- streams (activities and the collections they are in) ----------------------------------

  async getActivity(id: string, includeMeta?: boolean): Promise<Doc | null> {
    const rows = await this.ds.query(`SELECT seq, doc, meta, collections FROM ap_streams WHERE id = $1`, [id]);
    return rows[0] ? this.activityOf(rows[0], includeMeta) : null;
  }

  async findActivityByCollectionAndObjectId(collection: string, objectId: string, includeMeta?: boolean): Promise<Doc | null> {
    const rows = await this.ds.query(`SELECT seq, doc, meta, collections FROM ap_streams WHERE collections @> ARRAY[$1]::text[] AND object_ids @> ARRAY[$2]::text[] ORDER BY seq LIMIT 1`, [collection, objectId]);
    return rows[0] ? this.activityOf(rows[0], includeMeta) : null;
  }

  async findActivityByCollectionAndActorId(collection: string, actorId: string, includeMeta?: boolean): Promise<Doc | null> {
    const rows = await this.ds.query(`SELECT seq, doc, meta, collections FROM ap_streams WHERE collections @> ARRAY[$1]::text[] AND actor = $2 ORDER BY seq LIMIT 1`, [collection, actorId]);
    return rows[0] ? this.activityOf(rows[0], includeMeta) : null;
  }

  /**
   * Newest first, `after` = the `_id` (seq) of the last item of the previous page. Like the Mongo
   * store, `actor` comes back as the stored actor documents and items whose actor is unknown are left out.
   */
  async getStream(collectionId: string, limit: number, after?: string | null, blockList?: string[], query?: unknown[]): Promise<Doc[]> {
    if (query?.length) throw new Error('ApexPostgresStore: aggregation pipelines are MongoDB-only');
    if (after && !/^\d{1,19}$/.test(String(after))) throw new Error('ApexStore: invalid page value');
    const rows: { seq: string; doc: Doc; actors: Doc[] | null }[] = await this.ds.query(
      `SELECT s.seq, s.doc,
              (SELECT jsonb_agg(o.doc) FROM ap_objects o WHERE o.id = s.actor) AS actors
         FROM ap_streams s
        WHERE s.collections @> ARRAY[$1]::text[]
          AND ($2::bigint IS NULL OR s.seq < $2::bigint)
          AND (cardinality($3::text[]) = 0 OR s.actor IS NULL OR NOT (s.actor = ANY($3::text[])))
        ORDER BY s.seq DESC
        ${limit ? 'LIMIT $4' : ''}`,
      limit ? [collectionId, after ?? null, blockList ?? [], limit] : [collectionId, after ?? null, blockList ?? []],
    );
    return rows.filter((r) => r.actors?.length).map((r) => ({ ...r.doc, actor: r.actors, _id: String(r.seq) }));
  }

  async getStreamCount(collectionId: string): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(`SELECT count(*) AS n FROM ap_streams WHERE collections @> ARRAY[$1]::text[]`, [collectionId]);
    return Number(rows[0]!.n);
  }

  async saveActivity(activity: Doc): Promise<boolean | undefined> {
    const rows: unknown[] = await this.ds.query(insertActivity(1), this.activityParams(activity));
    // Mongo store contract: true when inserted, undefined on a duplicate.
    return rows.length ? true : undefined;
  }

  async removeActivity(activity: Doc, actorId: string): Promise<unknown> {
    return this.ds.query(`DELETE FROM ap_streams WHERE id = $1 AND actor = $2`, [activity.id, actorId]);
  }

  async updateActivity(activity: Doc, fullReplace?: boolean): Promise<Doc> {
    const { doc } = split(activity);
    const rows = returned<{ doc: Doc }>(
      fullReplace
        ? await this.ds.query(`UPDATE ap_streams SET doc = $2, object_ids = $3 WHERE id = $1 RETURNING doc`, [doc.id, doc, asArray(doc.object).map(idOf).filter(Boolean)])
        : await this.ds.query(`UPDATE ap_streams SET doc = doc || $2::jsonb WHERE id = $1 RETURNING doc`, [doc.id, doc]),
    );
    if (rows[0]) await this.updateObjectCopies(rows[0].doc);
    return rows[0]?.doc ?? doc;
  }

  async updateActivityMeta(activity: Doc, key: string, value: unknown, remove?: boolean): Promise<Doc> {
    const id = activity.id as string;
    let rows;
    if (key === 'collection') {
      rows = remove
        ? await this.ds.query(`UPDATE ap_streams SET collections = array_remove(collections, $2) WHERE id = $1 RETURNING seq, doc, meta, collections`, [id, value])
        : await this.ds.query(
            `UPDATE ap_streams SET collections = CASE WHEN collections @> ARRAY[$2]::text[] THEN collections ELSE array_append(collections, $2) END WHERE id = $1 RETURNING seq, doc, meta, collections`,
            [id, value],
          );
    } else {
      // $addToSet / $pull on an array inside meta.
      rows = remove
        ? await this.ds.query(
            `UPDATE ap_streams SET meta = jsonb_set(meta, ARRAY[$2], COALESCE((SELECT jsonb_agg(e) FROM jsonb_array_elements(meta->$2) e WHERE e <> $3::jsonb), '[]'::jsonb)) WHERE id = $1 RETURNING seq, doc, meta, collections`,
            [id, key, JSON.stringify(value)],
          )
        : await this.ds.query(
            `UPDATE ap_streams SET meta = jsonb_set(meta, ARRAY[$2], CASE WHEN COALESCE(meta->$2, '[]'::jsonb) @> jsonb_build_array($3::jsonb) THEN meta->$2 ELSE COALESCE(meta->$2, '[]'::jsonb) || jsonb_build_array($3::jsonb) END) WHERE id = $1 RETURNING seq, doc, meta, collections`,
            [id, key, JSON.stringify(value)],
          );
    }
    const row = returned<{ seq: string; doc: Doc; meta: Doc; collections: string[] }>(rows)[0];
    if (!row) throw new Error('Error updating activity meta: not found');
    return this.activityOf(row, true);
  }

  generateId(): string {
    return randomUUID().replace(/-/g, '');
  }

  // --- JSON-LD contexts ----------------------------------------------------------------------

  async getContext(documentUrl: string): Promise<{ contextUrl: string | null; documentUrl: string; document: unknown } | null> {
    const rows: { context_url: string | null; document: unknown }[] = await this.ds.query(`SELECT context_url, document FROM ap_contexts WHERE document_url = $1`, [documentUrl]);
    return rows[0] ? { contextUrl: rows[0].context_url, documentUrl, document: rows[0].document } : null;
  }

  async saveContext({ contextUrl, documentUrl, document }: { contextUrl?: string | null; documentUrl: string; document: unknown }): Promise<void> {
    const doc = typeof document === 'string' ? (JSON.parse(document) as unknown) : document;
    await this.ds.query(
      `INSERT INTO ap_contexts (document_url, context_url, document) VALUES ($1, $2, $3) ON CONFLICT (document_url) DO UPDATE SET context_url = EXCLUDED.context_url, document = EXCLUDED.document`,
      [documentUrl, contextUrl ?? null, JSON.stringify(doc)],
    );
  }

  // --- apex's delivery queue -----------------------------------------------------------------
  // The signing key is not queued (apex's Mongo store copies it into every row): it is looked up
  // sealed from the actor's row when the delivery is taken.

  async deliveryEnqueue(actorId: string, body: string, addresses: string | string[], _signingKey?: string): Promise<boolean | undefined> {
    const list = asArray(addresses).filter((a): a is string => typeof a === 'string');
    if (!list.length) return undefined;
    await this.ds.query(`INSERT INTO ap_delivery_queue (address, actor_id, body) SELECT unnest($1::text[]), $2, $3`, [list, actorId, body]);
    return true;
  }

  async deliveryDequeue(): Promise<Doc | { waitUntil: Date } | null> {
    const rows = returned<{ address: string; actor_id: string; body: string; attempt: number; after: Date }>(
      await this.ds.query(
        `DELETE FROM ap_delivery_queue WHERE id = (SELECT id FROM ap_delivery_queue WHERE after <= now() ORDER BY after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING address, actor_id, body, attempt, after`,
      ),
    );
    const row = rows[0];
    if (row) {
      const actor = await this.getObject(row.actor_id, true);
      const signingKey = (actor?._meta as Doc | undefined)?.privateKey;
      return { address: row.address, actorId: row.actor_id, body: row.body, attempt: row.attempt, after: row.after, signingKey };
    }
    const next: { after: Date }[] = await this.ds.query(`SELECT after FROM ap_delivery_queue ORDER BY after LIMIT 1`);
    return next[0] ? { waitUntil: next[0].after } : null;
  }

  async deliveryRequeue(delivery: { address: string; actorId: string; body: string; attempt: number; after: Date }): Promise<boolean> {
    const attempt = delivery.attempt + 1;
    const after = new Date(new Date(delivery.after).getTime() + Math.pow(10, delivery.attempt));
    await this.ds.query(`INSERT INTO ap_delivery_queue (address, actor_id, body, attempt, after) VALUES ($1, $2, $3, $4, $5)`, [delivery.address, delivery.actorId, delivery.body, attempt, after]);
    return true;
  }

  // --- helpers -------------------------------------------------------------------------------

  private prepare(object: Doc): { doc: Doc; meta: Doc; sealed: SealedJson | null; local: boolean } {
    const { doc, meta } = split(object);
    if (typeof doc.id !== 'string') throw new Error('ApexPostgresStore: object without id');
    let sealed: SealedJson | null = null;
    if (typeof meta.privateKey === 'string') {
      sealed = this.sealKey(doc.id, meta.privateKey);
      delete meta.privateKey;
    }
    return { doc, meta, sealed, local: sealed !== null };
  }

  private objectParams(object: Doc): unknown[] {
    const { doc, meta, sealed, local } = this.prepare(object);
    return [doc.id, firstType(doc), doc, meta, local, sealed];
  }

  private activityParams(activity: Doc): unknown[] {
    const { doc, meta } = split(activity);
    const collections = asArray(meta.collection).filter((c): c is string => typeof c === 'string');
    delete meta.collection;
    return [doc.id, idOf(asArray(doc.actor)[0]) ?? null, asArray(doc.object).map(idOf).filter(Boolean), collections, doc, meta];
  }

  private sealKey(id: string, pem: string): SealedJson {
    const s = this.box.seal(Buffer.from(pem), KEY_CONTEXT + id);
    return { c: s.ciphertext.toString('base64'), i: s.iv.toString('base64'), t: s.authTag.toString('base64'), v: s.keyVersion };
  }

  private openKey(id: string, s: SealedJson): string {
    return this.box.open({ ciphertext: Buffer.from(s.c, 'base64'), iv: Buffer.from(s.i, 'base64'), authTag: Buffer.from(s.t, 'base64'), keyVersion: s.v }, KEY_CONTEXT + id).toString();
  }

  private activityOf(row: { seq: string; doc: Doc; meta: Doc; collections: string[] }, includeMeta?: boolean): Doc {
    return includeMeta ? { ...row.doc, _meta: { ...row.meta, collection: row.collections } } : row.doc;
  }

  /** Streams keep embedded copies of objects (apex denormalizes Create/Announce/Like): keep them current. */
  private async updateObjectCopies(object: Doc): Promise<void> {
    await this.ds.query(
      `UPDATE ap_streams SET doc = jsonb_set(doc, '{object}', (SELECT jsonb_agg(CASE WHEN jsonb_typeof(e) = 'object' AND e->>'id' = $1 THEN $2::jsonb ELSE e END) FROM jsonb_array_elements(doc->'object') e))
        WHERE object_ids @> ARRAY[$1]::text[] AND jsonb_typeof(doc->'object') = 'array'`,
      [object.id, JSON.stringify(object)],
    );
  }
}
