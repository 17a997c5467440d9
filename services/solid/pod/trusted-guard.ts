import type { GuardVerdict } from '../../../libs/net/index.js';

/** What the adapter asks before contacting a URL that came from remote input. */
export interface UrlGuard {
  check(url: string): Promise<GuardVerdict>;
  /** fetch() connected only to addresses the guard approves (libs/net AddressGuard.fetch); absent: the global fetch after check(). */
  fetch?(url: string, init?: RequestInit): Promise<Response>;
}

/**
 * The address guard, except for the Solid server the operator configured: the bridge's own
 * server may live on a private network (a sidecar, the local sandbox) without opening the rest.
 */
export function trustingOwnServer(inner: UrlGuard, serverUrl: string): UrlGuard {
  const own = new URL(serverUrl).origin;
  return {
    async check(url: string) {
      try {
        if (new URL(url).origin === own) return { ok: true };
      } catch {
        return { ok: false, reason: `not a URL: ${url}` };
      }
      return inner.check(url);
    },
    // Our own server is reached as configured; everything else through the inner guard's pinned connection.
    fetch: inner.fetch && ((url, init) => (new URL(url).origin === own ? fetch(url, init) : inner.fetch!(url, init))),
  };
}
