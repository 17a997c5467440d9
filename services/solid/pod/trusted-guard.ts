import type { GuardVerdict } from '../../../libs/net/index.js';

/** fetch() as the Solid code uses it: a URL string, never a Request. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** What the adapter asks before contacting a URL that came from remote input. */
export interface UrlGuard {
  check(url: string): Promise<GuardVerdict>;
  /**
   * fetch() connected only to addresses the guard approves (libs/net AddressGuard.fetch): the
   * check alone is not enough, the global fetch resolves the name again (DNS rebinding).
   */
  fetch(url: string, init?: RequestInit): Promise<Response>;
}

/**
 * How a URL that came from remote input is fetched: through the guard's pinned connection.
 * Without a guard (tests of other things, tools) the global fetch.
 */
export function remoteFetch(guard: UrlGuard | undefined): FetchLike {
  return guard ? (url, init) => guard.fetch(url, init) : (url, init) => fetch(url, init);
}

/**
 * The address guard, except for the Solid server the operator configured: the bridge's own
 * server may live on a private network (a sidecar, the local sandbox) without opening the rest.
 */
export function trustingOwnServer(inner: UrlGuard, serverUrl: string): UrlGuard {
  const own = new URL(serverUrl).origin;
  const isOwn = (url: string) => {
    try {
      return new URL(url).origin === own;
    } catch {
      return false;
    }
  };
  return {
    async check(url: string) {
      if (isOwn(url)) return { ok: true };
      return inner.check(url);
    },
    // Our own server is dialled as configured, like the other operator endpoints; every other
    // host (people's own pods and identity providers, anywhere) through the inner guard's pinned connection.
    fetch: (url, init) => (isOwn(url) ? fetch(url, init) : inner.fetch(url, init)),
  };
}
