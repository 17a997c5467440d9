import { IdResolver } from '@atproto/identity';
import { AddressGuard } from '../../../libs/net/index.js';

/**
 * DID and handle resolution. @atproto/identity's default fetch refuses http, custom ports and
 * private addresses everywhere, which also refuses the PLC directory and PDS the operator
 * configured when they run on loopback (tests, the sandbox). So: the configured PLC and PDS are
 * trusted as given; any other URL (did:web documents, handles' /.well-known/atproto-did) passes
 * the AddressGuard first (SSRF), private addresses allowed only with PONTIS_ALLOW_PRIVATE_ADDRESSES.
 * A handle that neither DNS nor HTTPS resolves is asked of our PDS
 * (com.atproto.identity.resolveHandle): it answers for the handles it hosts (dev handles such as
 * `bob.test` too, as dev-env's own network mocks do).
 */
export function createIdResolver(plcUrl: string, allowPrivate: boolean, localPds?: string, guard = new AddressGuard({ allowPrivate, network: 'atproto' })): IdResolver {
  const trusted = new Set([originOf(plcUrl), localPds ? originOf(localPds) : undefined].filter(Boolean));
  const guardedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const timed = { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) };
    if (trusted.has(originOf(url))) return globalThis.fetch(input, timed);
    if (!/^https?:\/\//.test(url)) throw new Error(`refused ${url}: not http(s)`);
    const verdict = await guard.check(url);
    if (!verdict.ok) throw new Error(`refused ${url}: ${verdict.reason}`);
    if (input instanceof Request) throw new Error(`refused ${url}: a Request object cannot be pinned (pass the URL)`);
    // Connected through the guard: a did:web or handle host that rebinds to a private address after the check is refused.
    return guard.fetch(url, timed);
  };
  const resolver = new IdResolver({ plcUrl, fetch: guardedFetch as typeof globalThis.fetch });
  if (localPds) {
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

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
