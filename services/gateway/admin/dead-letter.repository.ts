import type { DataSource } from 'typeorm';
import type { Page } from '../http/input.js';
import { recordAudit, returnedRows } from './audit.js';

export const DEAD_LETTER_SOURCES = ['validation', 'delivery', 'pending-timeout', 'translation'] as const;
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number];

export interface DeadLetterFilter {
  source?: DeadLetterSource;
  topic?: string;
  replayed?: boolean;
}

export interface DeadLetterSummary {
  id: string;
  topic: string;
  source: string;
  reason: string;
  eventId: string | null;
  createdAt: string;
  replayedAt: string | null;
  payloadBytes: number;
}

export interface DeadLetterRecord extends DeadLetterSummary {
  key: string | null;
  payload: string;
}

type Row = { id: string; topic: string; source: string; reason: string; event_id: string | null; created_at: Date; replayed_at: Date | null; payload_bytes: number; message_key?: string | null; payload?: string };
const summary = (r: Row): DeadLetterSummary => ({
  id: r.id,
  topic: r.topic,
  source: r.source,
  reason: r.reason,
  eventId: r.event_id,
  createdAt: new Date(r.created_at).toISOString(),
  replayedAt: r.replayed_at ? new Date(r.replayed_at).toISOString() : null,
  payloadBytes: r.payload_bytes,
});
const COLUMNS = `id::text, topic, source, reason, event_id, created_at, replayed_at, octet_length(payload) AS payload_bytes`;

/** The queryable copy of the dead-letter topic (written by the translator and the adapters). */
export class DeadLetterRepository {
  constructor(private readonly ds: DataSource) {}

  async list(f: DeadLetterFilter, p: Page): Promise<DeadLetterSummary[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.source) add('source = ?', f.source);
    if (f.topic) add('topic = ?', f.topic);
    if (f.replayed !== undefined) where.push(f.replayed ? 'replayed_at IS NOT NULL' : 'replayed_at IS NULL');
    if (p.before) add('id < ?::bigint', p.before);
    args.push(p.limit + 1);
    const rows: Row[] = await this.ds.query(`SELECT ${COLUMNS} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY dead_letters.id DESC LIMIT $${args.length}`, args);
    return rows.map(summary);
  }

  async get(id: string): Promise<DeadLetterRecord | undefined> {
    const [r]: Row[] = await this.ds.query(`SELECT ${COLUMNS}, message_key, payload FROM dead_letters WHERE id = $1::bigint`, [id]);
    return r ? { ...summary(r), key: r.message_key ?? null, payload: r.payload ?? '' } : undefined;
  }

  /** Called after the payload is back on its topic: a crash in between replays it once more, which the ledgers make harmless. */
  async markReplayed(id: string, actor: string, topic: string): Promise<DeadLetterSummary | undefined> {
    return this.ds.transaction(async (tx) => {
      const [r] = returnedRows<Row>(await tx.query(`UPDATE dead_letters SET replayed_at = now() WHERE id = $1::bigint RETURNING ${COLUMNS}`, [id]));
      if (!r) return undefined;
      await recordAudit(tx, actor, 'deadletter.replay', `deadletter:${id}`, { topic, eventId: r.event_id, source: r.source });
      return summary(r);
    });
  }

  async delete(id: string, actor: string): Promise<DeadLetterSummary | undefined> {
    return this.ds.transaction(async (tx) => {
      const [r] = returnedRows<Row>(await tx.query(`DELETE FROM dead_letters WHERE id = $1::bigint RETURNING ${COLUMNS}`, [id]));
      if (!r) return undefined;
      await recordAudit(tx, actor, 'deadletter.delete', `deadletter:${id}`, { topic: r.topic, eventId: r.event_id, source: r.source, reason: r.reason });
      return summary(r);
    });
  }
}
