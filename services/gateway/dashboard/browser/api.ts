import { win } from './dom.js';
import { errorMessage } from './format.js';

const TOKEN_KEY = 'pontis.adminToken';

/** The admin token lives in sessionStorage only: gone when the tab closes, never in a cookie or the URL. */
export const adminToken = {
  get: (): string | null => win.sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => win.sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => win.sessionStorage.removeItem(TOKEN_KEY),
};

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; message: string };

/** One call to the REST API; a network failure or an error status becomes a message to show, never a throw. */
export async function api<T>(path: string, opts: { method?: string; body?: unknown; admin?: boolean } = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = adminToken.get();
  if (opts.admin && token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  } catch (err) {
    return { ok: false, status: 0, message: `the gateway did not answer (${(err as Error).message})` };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* an empty or non-JSON body: the status says enough */
  }
  return res.ok ? { ok: true, status: res.status, body: body as T } : { ok: false, status: res.status, message: errorMessage(body, res.status) };
}
