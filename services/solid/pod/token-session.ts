import { DpopKey } from './dpop.js';
import type { SessionInit } from './solid-session.js';
import type { FetchLike } from './trusted-guard.js';

/**
 * One access token in memory, DPoP-bound: the person's session during the login callback, before
 * anything is stored (their identity row does not exist yet). Refreshing is SolidSession's job.
 */
export class TokenSession {
  constructor(
    private readonly token: string,
    private readonly key: DpopKey,
    /** The default transport; PodClient names its guard's pinned fetch per request. */
    private readonly fetchImpl: FetchLike = (url, init) => fetch(url, init),
  ) {}

  fetch(url: string, { timeoutMs, transport, ...init }: SessionInit = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    headers.set('authorization', `DPoP ${this.token}`);
    headers.set('dpop', this.key.proof(method, url, this.token));
    return (transport ?? this.fetchImpl)(url, { ...init, method, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs ?? 15_000) });
  }
}
