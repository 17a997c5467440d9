import { DpopKey } from './dpop.js';

/**
 * One access token in memory, DPoP-bound: the person's session during the login callback, before
 * anything is stored (their identity row does not exist yet). Refreshing is SolidSession's job.
 */
export class TokenSession {
  constructor(
    private readonly token: string,
    private readonly key: DpopKey,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  fetch(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    headers.set('authorization', `DPoP ${this.token}`);
    headers.set('dpop', this.key.proof(method, url, this.token));
    return this.fetchImpl(url, { ...init, method, headers, redirect: 'manual', signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
  }
}
