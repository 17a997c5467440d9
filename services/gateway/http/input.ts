import { BadRequestException } from '@nestjs/common';

/**
 * Small, explicit checks for query strings and JSON bodies. Each failure is a 400 whose message
 * names the field and what it should be, so a script author can fix the call without the source.
 */
export type Query = Record<string, unknown>;

export function body(raw: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestException('the body must be a JSON object (Content-Type: application/json)');
  const unknown = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new BadRequestException(`unknown field(s) ${unknown.join(', ')} (allowed: ${allowed.join(', ') || 'none'})`);
  return raw as Record<string, unknown>;
}

/** Rejects query parameters the route does not know: a typo must not silently widen a filter. */
export function query(raw: Query, allowed: readonly string[]): Query {
  const unknown = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new BadRequestException(`unknown query parameter(s) ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
  for (const [k, v] of Object.entries(raw)) if (typeof v !== 'string') throw new BadRequestException(`query parameter ${k} may be given once`);
  return raw;
}

export function optionalString(q: Query, name: string, maxLength = 200): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v.length || v.length > maxLength) throw new BadRequestException(`${name} must be a non-empty string of at most ${maxLength} characters`);
  return v;
}

export function optionalEnum<T extends string>(q: Query, name: string, values: readonly T[]): T | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new BadRequestException(`${name} must be one of ${values.join(', ')}`);
  return v as T;
}

export function optionalBoolean(q: Query, name: string): boolean | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new BadRequestException(`${name} must be true or false`);
}

export function optionalTime(q: Query, name: string): Date | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new BadRequestException(`${name} must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z`);
  return d;
}

export interface Page {
  limit: number;
  /** Keyset cursor: only rows with an id below this one (newest first). */
  before?: string;
}

/** `limit` (1-200, default 50) and `before` (the `nextCursor` of the previous page). */
export function page(q: Query): Page {
  const rawLimit = q.limit;
  let limit = 50;
  if (rawLimit !== undefined) {
    limit = Number(rawLimit);
    if (typeof rawLimit !== 'string' || !/^\d+$/.test(rawLimit) || limit < 1 || limit > 200) throw new BadRequestException('limit must be an integer from 1 to 200');
  }
  const before = q.before;
  if (before !== undefined && (typeof before !== 'string' || !/^[1-9]\d{0,18}$/.test(before))) throw new BadRequestException('before must be a cursor from a previous page (a positive integer)');
  return { limit, before: before as string | undefined };
}

export const PAGE_PARAMS = ['limit', 'before'] as const;

/** Rows fetched with limit + 1: the extra one says whether there is a next page. */
export function pageOf<T extends { id: string }>(rows: T[], p: Page): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, p.limit);
  return { items, nextCursor: rows.length > p.limit ? items[items.length - 1]!.id : null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidParam(v: string, what: string): string {
  if (!UUID.test(v)) throw new BadRequestException(`${what} must be a UUID`);
  return v.toLowerCase();
}

export function idParam(v: string, what: string): string {
  if (!/^[1-9]\d{0,18}$/.test(v)) throw new BadRequestException(`${what} must be a positive integer`);
  return v;
}
