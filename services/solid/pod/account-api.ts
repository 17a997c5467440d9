import { randomBytes } from 'node:crypto';
import { DeliveryError } from '../../../libs/adapter/index.js';
import type { ClientCredentials } from './solid-session.js';

export interface CreatedPod extends ClientCredentials {
  podUrl: string;
  email: string;
  password: string;
}

/**
 * Community Solid Server account API v7, on the Solid server the bridge operates: one account,
 * one pod and one client-credentials pair per WebID it hosts (its own and the bridged ones).
 * `POST .account/account/` → controls → password.create → account.pod → account.clientCredentials.
 */
export async function createPodAccount(serverUrl: string, opts: { podName: string; emailDomain: string; fetchImpl?: typeof fetch }): Promise<CreatedPod> {
  const f = opts.fetchImpl ?? fetch;
  const call = async (url: string, init: { method?: string; token?: string; body?: unknown }, what: string): Promise<Record<string, any>> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.token) headers.authorization = `CSS-Account-Token ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await f(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new DeliveryError(`Solid account API unreachable (${what})`, { kind: 'transient', target: url, cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new DeliveryError(`Solid account API refused ${what}`, { kind: res.status >= 500 ? 'transient' : 'permanent', target: url, status: res.status, body: text });
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  };
  const base = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  const created = await call(new URL('.account/account/', base).href, { method: 'POST', body: {} }, 'account creation');
  const token = String(created.authorization ?? '');
  const { controls } = await call(new URL('.account/', base).href, { token }, 'account controls');
  const email = `${opts.podName}@${opts.emailDomain}`;
  const password = randomBytes(24).toString('base64url');
  await call(controls.password.create, { method: 'POST', token, body: { email, password } }, 'password login');
  const pod = await call(controls.account.pod, { method: 'POST', token, body: { name: opts.podName } }, `pod ${opts.podName}`);
  const webId = String(pod.webId);
  const creds = await call(controls.account.clientCredentials, { method: 'POST', token, body: { name: 'pontis', webId } }, 'client credentials');
  return { issuer: base, webId, podUrl: String(pod.pod), clientId: String(creds.id), clientSecret: String(creds.secret), email, password };
}
