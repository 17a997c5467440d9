import { IdResolver } from '@atproto/identity';

/**
 * DID and handle resolution. @atproto/identity's default fetch refuses http, IP hosts, custom
 * ports and private addresses (SSRF): right for production. Tests and local sandboxes run PLC
 * and the PDS on loopback, so with PONTIS_ALLOW_PRIVATE_ADDRESSES the plain fetch is used, and a
 * handle that neither DNS nor HTTPS resolves (dev handles such as `bob.test`) is asked of our PDS
 * (com.atproto.identity.resolveHandle), as dev-env's own network mocks do.
 */
export function createIdResolver(plcUrl: string, allowPrivate: boolean, localPds?: string): IdResolver {
  const resolver = new IdResolver({ plcUrl, ...(allowPrivate ? { fetch: globalThis.fetch } : {}) });
  if (allowPrivate && localPds) {
    const original = resolver.handle.resolve.bind(resolver.handle);
    resolver.handle.resolve = async (handle: string) => {
      const found = await original(handle).catch(() => undefined);
      if (found) return found;
      const res = await fetch(`${localPds}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      return res?.ok ? ((await res.json()) as { did?: string }).did : undefined;
    };
  }
  return resolver;
}
