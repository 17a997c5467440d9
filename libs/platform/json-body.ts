/**
 * How every process reads JSON bodies (ActivityPub inboxes, webhooks, the public API): at most
 * 1 MB, valid UTF-8, nested at most MAX_JSON_DEPTH deep, the exact bytes kept as `req.rawBody`
 * (HTTP Signature Digest checks). Checked on the raw bytes before JSON.parse runs, so a hostile
 * body costs one linear scan: a 10,000-deep document would otherwise reach recursive code
 * (mappers, sanitizers, Postgres jsonb) and fail there, after work and maybe a retry loop.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { rejectInput, type RejectNetwork } from '../observability/index.js';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

export { jsonDepth, MAX_JSON_DEPTH };

export const MAX_JSON_BYTES = '1mb';

export const JSON_TYPES = ['application/json', 'application/*+json', 'application/ld+json'];

/** A body error with the status and type body-parser passes on (and JsonErrorsFilter answers with). */
class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
  ) {
    super(message);
  }
}

/** body-parser `verify`: keeps the raw bytes, refuses invalid UTF-8 and deep nesting with a 400 that says so. */
export function verifyJsonBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
  if (!isUtf8(buf)) throw new BodyError('request body is not valid UTF-8', 400, 'entity.invalid.utf8');
  if (jsonDepth(buf, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new BodyError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 400, 'entity.too.deep');
}

/** Options for express.json / Nest's useBodyParser('json', …). */
export function jsonBodyOptions() {
  return { limit: MAX_JSON_BYTES, type: JSON_TYPES, verify: verifyJsonBody };
}

const REASON_OF_TYPE: Record<string, string> = {
  'entity.too.large': 'too_large',
  'entity.parse.failed': 'bad_json',
  'entity.invalid.utf8': 'invalid_utf8',
  'entity.too.deep': 'too_deep',
  'charset.unsupported': 'bad_charset',
  'encoding.unsupported': 'bad_charset',
  'request.aborted': 'aborted',
};

/** Which network's entry point a path is (the metric's network label). */
export function networkOfPath(path: string): RejectNetwork {
  if (path.startsWith('/ap/') || path.startsWith('/.well-known/webfinger')) return 'activitypub';
  for (const n of ['solid', 'nostr', 'atproto', 'activitypub'] as const) if (path.startsWith(`/api/v1/${n}/`)) return n;
  return 'api';
}

/** Counts a body-parser refusal (too large, bad JSON, invalid UTF-8, too deep); false when `err` is not one. */
export function countBodyRejection(path: string, err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  const reason = typeof type === 'string' ? REASON_OF_TYPE[type] : undefined;
  if (!reason) return false;
  rejectInput(networkOfPath(path), reason);
  return true;
}
