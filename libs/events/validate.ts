import { EVENT_SCHEMA_VERSION, type BridgeEvent } from './bridge-event.js';
import { isEventType, SUBJECT_TYPES, TARGETED_TYPES } from './event-types.js';
import { isNetwork } from './networks.js';

/** Thrown for a record that is not a valid BridgeEvent; `problems` lists every field at fault. */
export class InvalidEventError extends Error {
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`invalid bridge event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/** Hard limits so a hostile payload cannot make the translator allocate without bound. */
export const LIMITS = {
  idLength: 2048,
  textLength: 100_000,
  facets: 1000,
  attachments: 20,
  options: 50,
  hops: 8,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class Checker {
  readonly problems: string[] = [];
  fail(path: string, why: string): void {
    if (this.problems.length < 20) this.problems.push(`${path} ${why}`);
  }
  str(o: Obj, key: string, path: string, opt = false, max: number = LIMITS.idLength): boolean {
    const v = o[key];
    if (v === undefined && opt) return true;
    if (typeof v !== 'string' || v.length === 0) return this.fail(`${path}.${key}`, 'must be a non-empty string'), false;
    if (v.length > max) return this.fail(`${path}.${key}`, `is longer than ${max} characters`), false;
    return true;
  }
  text(o: Obj, key: string, path: string, opt = false): void {
    const v = o[key];
    if (v === undefined && opt) return;
    if (typeof v !== 'string') return this.fail(`${path}.${key}`, 'must be a string');
    if (v.length > LIMITS.textLength) this.fail(`${path}.${key}`, `is longer than ${LIMITS.textLength} characters`);
  }
  date(o: Obj, key: string, path: string, opt = false): void {
    const v = o[key];
    if (v === undefined && opt) return;
    if (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v)))
      this.fail(`${path}.${key}`, 'must be an ISO 8601 date-time');
  }
  network(o: Obj, path: string): void {
    if (!isNetwork(o.network)) this.fail(`${path}.network`, `must be one of activitypub, atproto, nostr, solid (got ${JSON.stringify(o.network)})`);
  }
  actor(v: unknown, path: string): void {
    if (!isObj(v)) return this.fail(path, 'must be an object');
    this.network(v, path);
    this.str(v, 'id', path);
    this.str(v, 'handle', path, true);
  }
  ref(v: unknown, path: string): void {
    if (!isObj(v)) return this.fail(path, 'must be an object');
    this.network(v, path);
    this.str(v, 'id', path);
    this.str(v, 'cid', path, true);
    this.str(v, 'url', path, true);
    if (v.writtenBy !== undefined) this.actor(v.writtenBy, `${path}.writtenBy`);
  }
  attachment(v: unknown, path: string): void {
    if (!isObj(v)) return this.fail(path, 'must be an object');
    this.str(v, 'url', path);
    this.str(v, 'mediaType', path, false, 255);
    this.text(v, 'alt', path, true);
  }
  post(v: unknown, path: string): void {
    if (!isObj(v)) return this.fail(path, 'must be an object');
    if (!['note', 'article', 'question'].includes(v.kind as string)) this.fail(`${path}.kind`, 'must be note, article or question');
    this.text(v, 'text', path);
    this.text(v, 'html', path, true);
    this.text(v, 'title', path, true);
    this.text(v, 'contentWarning', path, true);
    this.str(v, 'language', path, true, 35);
    if (typeof v.sensitive !== 'boolean') this.fail(`${path}.sensitive`, 'must be a boolean');
    if (!['public', 'unlisted', 'followers', 'direct'].includes(v.visibility as string))
      this.fail(`${path}.visibility`, 'must be public, unlisted, followers or direct');
    for (const k of ['replyTo', 'threadRoot', 'quote'] as const) if (v[k] !== undefined) this.ref(v[k], `${path}.${k}`);
    this.date(v, 'publishedAt', path);
    this.date(v, 'updatedAt', path, true);
    this.list(v, 'attachments', path, LIMITS.attachments, (a, p) => this.attachment(a, p));
    const textLen = typeof v.text === 'string' ? v.text.length : 0;
    this.list(v, 'facets', path, LIMITS.facets, (f, p) => this.facet(f, p, textLen));
    if (v.options !== undefined) this.list(v, 'options', path, LIMITS.options, (o, p) => typeof o !== 'string' && this.fail(p, 'must be a string'));
  }
  facet(v: unknown, path: string, textLen: number): void {
    if (!isObj(v)) return this.fail(path, 'must be an object');
    const { start, end, kind } = v;
    if (!Number.isInteger(start) || !Number.isInteger(end) || (start as number) < 0 || (end as number) <= (start as number) || (end as number) > textLen)
      return this.fail(path, `has offsets ${String(start)}..${String(end)} outside the text (length ${textLen})`);
    if (kind === 'mention') this.actor(v.actor, `${path}.actor`);
    else if (kind === 'link') this.str(v, 'url', path);
    else if (kind === 'tag') this.str(v, 'tag', path, false, 640);
    else this.fail(`${path}.kind`, 'must be mention, link or tag');
  }
  list(o: Obj, key: string, path: string, max: number, each: (v: unknown, p: string) => void): void {
    const v = o[key];
    if (!Array.isArray(v)) return this.fail(`${path}.${key}`, 'must be an array');
    if (v.length > max) return this.fail(`${path}.${key}`, `has more than ${max} items`);
    v.forEach((item, i) => each(item, `${path}.${key}[${i}]`));
  }
}

/**
 * Checks that `input` is a BridgeEvent of the version this code speaks.
 * Returns it typed, or throws InvalidEventError naming every field at fault.
 */
export function validateEvent(input: unknown): BridgeEvent {
  const c = new Checker();
  if (!isObj(input)) throw new InvalidEventError(['event must be a JSON object']);
  if (input.v !== EVENT_SCHEMA_VERSION) throw new InvalidEventError([`unsupported schema version ${JSON.stringify(input.v)} (this translator speaks v${EVENT_SCHEMA_VERSION})`]);
  c.str(input, 'id', 'event');
  if (!isEventType(input.type)) c.fail('event.type', `is not a known event type (got ${JSON.stringify(input.type)})`);
  c.date(input, 'occurredAt', 'event');
  c.ref(input.source, 'event.source');
  c.actor(input.actor, 'event.actor');
  if (!isObj(input.trace)) c.fail('event.trace', 'must be an object');
  else {
    if (!isNetwork(input.trace.origin)) c.fail('event.trace.origin', 'must be a network');
    if (!Number.isInteger(input.trace.hops) || (input.trace.hops as number) < 0 || (input.trace.hops as number) > LIMITS.hops)
      c.fail('event.trace.hops', `must be an integer from 0 to ${LIMITS.hops}`);
  }
  const type = input.type;
  if (type === 'post.created' || type === 'post.updated') c.post(input.object, 'event.object');
  if (isEventType(type) && TARGETED_TYPES.has(type)) c.ref(input.target, 'event.target');
  if (isEventType(type) && SUBJECT_TYPES.has(type)) c.actor(input.subject, 'event.subject');
  if (type === 'reaction.added') {
    if (!isObj(input.reaction)) c.fail('event.reaction', 'must be an object');
    else c.str(input.reaction, 'content', 'event.reaction', false, 256);
  }
  if (type === 'profile.updated' && !isObj(input.profile)) c.fail('event.profile', 'must be an object');
  if (type === 'report.created') {
    if (!isObj(input.report)) c.fail('event.report', 'must be an object');
    else {
      c.str(input.report, 'reason', 'event.report', true, 5000);
      c.list(input.report, 'actors', 'event.report', 100, (v, p) => c.actor(v, p));
      c.list(input.report, 'objects', 'event.report', 100, (v, p) => c.ref(v, p));
    }
  }
  if (isObj(input.source) && isObj(input.actor) && input.source.network !== input.actor.network)
    c.fail('event.source.network', 'must equal event.actor.network (an event enters from one network)');
  if (c.problems.length > 0) throw new InvalidEventError(c.problems);
  return input as unknown as BridgeEvent;
}

/** Parses raw bus bytes into a validated event; JSON errors become InvalidEventError too. */
export function parseEvent(raw: Buffer | string): BridgeEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new InvalidEventError([`not JSON: ${(err as Error).message}`]);
  }
  return validateEvent(parsed);
}
