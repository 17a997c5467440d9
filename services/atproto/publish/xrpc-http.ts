/**
 * XRPC errors → DeliveryError, honouring the PDS's rate-limit headers. Pure parts are exported for
 * tests (the header arithmetic); the rest is a thin fetch for unauthenticated calls.
 */
import { XRPCError } from '@atproto/api';
import { DeliveryError } from '../../../libs/adapter/index.js';

type Headers = Record<string, string | undefined>;

/**
 * How long the PDS asked us to wait: `Retry-After` (seconds or an HTTP date), or the
 * `RateLimit-Reset` of the reference PDS (unix seconds when the window resets; the IETF draft's
 * delta-seconds also accepted when small). Undefined when it said nothing usable.
 */
export function retryAfterMs(headers: Headers | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const retry = h['retry-after'];
  if (retry) {
    const secs = Number(retry);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(retry);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  const reset = Number(h['ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) {
    // Unix seconds (reference PDS) vs delta seconds (draft-ietf-httpapi-ratelimit-headers).
    return reset > 1e9 ? Math.max(0, reset * 1000 - nowMs) : reset * 1000;
  }
  return undefined;
}

/** Any error from an XRPC call as a DeliveryError: 429/5xx transient (with the wait), 4xx permanent, network transient. */
export function toDeliveryError(err: unknown, target: string, nowMs = Date.now()): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof XRPCError) {
    const status = err.status;
    const body = `${err.error ?? ''}: ${err.message}`;
    if (status >= 400 && status < 600) {
      const base = DeliveryError.fromHttp(target, status, body);
      const wait = status === 429 || status === 503 ? retryAfterMs(err.headers, nowMs) : undefined;
      return wait === undefined ? base : new DeliveryError(base.message, { kind: base.kind, target, status, body, retryAfterMs: wait });
    }
    // 1 (unknown) / network failures: XRPCError wraps them with a non-HTTP status.
    return new DeliveryError(`${target}: ${err.message}`, { kind: 'transient', target, status: err.error || 'network', cause: err });
  }
  return new DeliveryError(`${target}: ${(err as Error)?.message ?? String(err)}`, { kind: 'transient', target, status: 'network', cause: err });
}

/** Unauthenticated XRPC query (describeServer, getRecord of someone else's repo). */
export async function xrpcJson<T>(service: string, nsid: string, params: Record<string, string> = {}): Promise<T> {
  const url = new URL(`/xrpc/${nsid}`, service);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw DeliveryError.fromHttp(`${service} ${nsid}`, res.status, (await res.text().catch(() => '')).slice(0, 300));
  return (await res.json()) as T;
}
