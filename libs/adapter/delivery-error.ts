/**
 * What went wrong delivering to a peer, with the data to act on it (atproto's named errors,
 * Fedify's SendActivityError: the target, the status and a truncated response body).
 *
 * kind: `transient` (retry with backoff), `permanent` (a retry cannot help: invalid signature,
 * 4xx other than 408/429), `gone` (410: the target no longer exists; not an error of ours).
 */
export type DeliveryErrorKind = 'transient' | 'permanent' | 'gone';

/** A peer's error body can be a whole HTML page; the ledger and dead letters keep this much. */
export const MAX_ERROR_BODY = 512;

export class DeliveryError extends Error {
  readonly kind: DeliveryErrorKind;
  /** Where it was sent (inbox URL, relay URL, PDS). */
  readonly target: string;
  /** HTTP status, or a protocol's own code (a Nostr OK prefix such as `invalid`). */
  readonly status?: number | string;
  /** The peer's answer, truncated to MAX_ERROR_BODY characters. */
  readonly body?: string;
  /** The peer said when to come back (Retry-After, RateLimit-Reset): the runner waits at least this long. */
  readonly retryAfterMs?: number;

  constructor(message: string, opts: { kind: DeliveryErrorKind; target: string; status?: number | string; body?: string; cause?: unknown; retryAfterMs?: number }) {
    super(message, { cause: opts.cause });
    this.name = 'DeliveryError';
    this.kind = opts.kind;
    this.target = opts.target;
    this.status = opts.status;
    this.body = opts.body === undefined ? undefined : truncate(opts.body, MAX_ERROR_BODY);
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** The bus convention (`isRetryable`): false means never retry. */
  get retryable(): boolean {
    return this.kind === 'transient';
  }

  /** HTTP peers: 410 → gone; 408 and 429 → transient; other 4xx → permanent; 5xx and the rest → transient. */
  static fromHttp(target: string, status: number, body?: string): DeliveryError {
    return new DeliveryError(`${target} answered ${status}`, { kind: httpErrorKind(status), target, status, body });
  }

  /** One line for the ledger's last_error and the dead letter's reason. */
  describe(): string {
    const status = this.status === undefined ? '' : ` [${this.status}]`;
    const body = this.body ? `: ${this.body}` : '';
    return `${this.kind}${status} ${this.target}: ${this.message}${body}`;
  }
}

export function httpErrorKind(status: number): DeliveryErrorKind {
  if (status === 410) return 'gone';
  if (status === 408 || status === 429) return 'transient';
  if (status >= 400 && status < 500) return 'permanent';
  return 'transient';
}

/**
 * How the runner treats any thrown value: a DeliveryError says itself; anything else marked
 * `retryable: false` (the bus convention, InvalidEventError, ...) is permanent; the rest transient.
 */
export function errorKind(err: unknown): DeliveryErrorKind {
  if (err instanceof DeliveryError) return err.kind;
  if (typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false) return 'permanent';
  return 'transient';
}

export function describeError(err: unknown): string {
  if (err instanceof DeliveryError) return err.describe();
  return truncate(err instanceof Error ? `${err.name}: ${err.message}` : String(err), MAX_ERROR_BODY * 2);
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
