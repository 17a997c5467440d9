import { randomUUID } from 'node:crypto';
import type { SolidPeer } from '../../../libs/harness/peers/solid-peer.js';
import { linkGrantAcl } from '../../solid/pod/acl.js';
import { postJson, type DemoPerson, type PontisAddress } from './demo-person.js';

const AS2 = 'https://www.w3.org/ns/activitystreams';

/**
 * A pod on the sandbox's Solid server: social containers, the grant to the bridge's WebID, then
 * the link, as a Solid user would set it up; posts are AS2 resources written to the outbox.
 */
export async function solidDemoPerson(solid: SolidPeer, pontis: PontisAddress, name: string): Promise<DemoPerson> {
  const bridgeWebId = await waitForBridgeWebId(pontis);
  const account = await solid.createAccount({ email: `${name}@sandbox.example`, password: `demo-${randomUUID()}`, podName: name });
  const client = solid.client(account);
  const social = new URL('social/', account.podUrl).href;
  for (const path of ['social/', 'social/outbox/', 'social/inbox/']) {
    const res = await client.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
    if (!res.ok) throw new Error(`creating ${path} answered ${res.status}`);
  }
  const grant = await client.fetch(`${social}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: linkGrantAcl(social, account.webId, bridgeWebId) });
  if (!grant.ok) throw new Error(`the grant to the bridge answered ${grant.status}`);
  await postJson(`${pontis.api}/api/v1/solid/link`, { webId: account.webId });
  const put = async (body: Record<string, unknown>) => {
    const url = `${social}outbox/${randomUUID()}`;
    const res = await client.fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/ld+json' },
      body: JSON.stringify({ '@context': AS2, id: url, published: new Date().toISOString(), to: [`${AS2}#Public`], ...body }),
    });
    if (!res.ok) throw new Error(`PUT ${url} answered ${res.status}`);
  };
  return {
    network: 'solid',
    handle: account.webId,
    nativeId: account.webId,
    post: (text) => put({ type: 'Note', attributedTo: account.webId, content: text, mediaType: 'text/plain' }),
    reply: (to, text) => put({ type: 'Note', attributedTo: account.webId, content: text, mediaType: 'text/plain', inReplyTo: to.nativeId }),
    like: (to) => put({ type: 'Like', actor: account.webId, object: to.nativeId }),
  };
}

/** The Solid adapter creates the bridge's own WebID at its first start; the grant names it. */
async function waitForBridgeWebId(pontis: PontisAddress): Promise<string> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const s = (await (await fetch(`${pontis.api}/api/v1/solid/status`)).json().catch(() => ({}))) as { running?: boolean; bridgeWebId?: string };
    if (s.running && s.bridgeWebId) return s.bridgeWebId;
    if (Date.now() > deadline) throw new Error('the Solid adapter did not report its bridge WebID within 90 s');
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
