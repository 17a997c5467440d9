import type { GuardVerdict } from '../../../libs/net/index.js';

/** What the adapter asks before contacting a URL that came from remote input. */
export interface UrlGuard {
  check(url: string): Promise<GuardVerdict>;
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
  };
}
