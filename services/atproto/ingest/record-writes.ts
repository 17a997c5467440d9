/**
 * Pending writes to `atproto_records`, one per (did, collection, rkey), collapsed as they arrive
 * so a batch is one statement per kind and says the same as the writes one after another. Pure:
 * the SQL is in ingest-batch.ts.
 *
 * In the table an upsert keeps the stored subject when the new one has none (the deliverer sets
 * subjects on records it writes). Collapsed here the same way; a record deleted and then written
 * again in one batch is a `replace`: its old row is deleted first, so nothing is kept from it.
 */
export type RecordWrite =
  | { kind: 'upsert'; cid: string | null; subject: string | null; replace: boolean }
  | { kind: 'delete' };

export interface RecordKey {
  did: string;
  collection: string;
  rkey: string;
}

/** What a lookup knows without the table: gone, or a CID and, unless `askTable`, the subject too. */
export type PendingLookup = { gone: true; askTable: false } | { gone: false; cid: string | null; subject?: string; askTable: boolean };

export class RecordWrites {
  private readonly writes = new Map<string, { key: RecordKey; write: RecordWrite }>();

  get size(): number {
    return this.writes.size;
  }

  upsert(key: RecordKey, cid: string | null, subject: string | null): void {
    const id = idOf(key);
    const prev = this.writes.get(id)?.write;
    const write: RecordWrite =
      prev?.kind === 'upsert' ? { kind: 'upsert', cid, subject: subject ?? prev.subject, replace: prev.replace }
      : { kind: 'upsert', cid, subject, replace: prev?.kind === 'delete' };
    this.writes.set(id, { key, write });
  }

  delete(key: RecordKey): void {
    this.writes.set(idOf(key), { key, write: { kind: 'delete' } });
  }

  get(key: RecordKey): RecordWrite | undefined {
    return this.writes.get(idOf(key))?.write;
  }

  /** One RecordWrites per record (to find the one the table refuses). */
  split(): RecordWrites[] {
    return [...this.writes.entries()].map(([id, entry]) => {
      const one = new RecordWrites();
      one.writes.set(id, entry);
      return one;
    });
  }

  /** Column arrays for the statements: rows to delete first (deletes and replaces), then rows to upsert. */
  columns(): { deletes: [string[], string[], string[]]; upserts: [string[], string[], string[], (string | null)[], (string | null)[]] } {
    const deletes: [string[], string[], string[]] = [[], [], []];
    const upserts: [string[], string[], string[], (string | null)[], (string | null)[]] = [[], [], [], [], []];
    for (const { key, write } of this.writes.values()) {
      if (write.kind === 'delete' || write.replace) {
        deletes[0].push(key.did);
        deletes[1].push(key.collection);
        deletes[2].push(key.rkey);
      }
      if (write.kind === 'upsert') {
        upserts[0].push(key.did);
        upserts[1].push(key.collection);
        upserts[2].push(key.rkey);
        upserts[3].push(write.cid);
        upserts[4].push(write.subject);
      }
    }
    return { deletes, upserts };
  }
}

/**
 * A record's state from pending layers, newest first: gone; known; known but for the subject the
 * table may hold (`askTable`); or undefined when nothing is pending for it.
 */
export function lookupPending(layers: readonly (RecordWrites | undefined)[], key: RecordKey): PendingLookup | undefined {
  let found: { cid: string | null } | undefined;
  for (const layer of layers) {
    const w = layer?.get(key);
    if (!w) continue;
    if (w.kind === 'delete') return found ? { gone: false, cid: found.cid, askTable: false } : { gone: true, askTable: false };
    found ??= { cid: w.cid };
    if (w.subject !== null) return { gone: false, cid: found.cid, subject: w.subject, askTable: false };
    if (w.replace) return { gone: false, cid: found.cid, askTable: false };
  }
  return found ? { gone: false, cid: found.cid, askTable: true } : undefined;
}

function idOf(k: RecordKey): string {
  return `${k.did} ${k.collection} ${k.rkey}`;
}
