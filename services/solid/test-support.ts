/** Shared setup of the Solid adapter's integration tests: a real CSS, Postgres, the bridge's WebID. */
import { randomBytes } from 'node:crypto';
import { SolidPeer, type SolidAccount } from '../../libs/harness/index.js';
import { SecretBox } from '../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { eventFixture, type BridgeEvent } from '../../libs/events/index.js';
import { seedAccount } from '../../libs/testing/index.js';
import { bridgeSession, SolidProvisioner } from './identity/index.js';
import { socialUrlOf } from './mapping/index.js';
import { linkGrantAcl, PodClient, PodRepository, type SolidSession } from './pod/index.js';

export interface SolidWorld {
  peer: SolidPeer;
  baseUrl: string;
  store: TestStore;
  box: SecretBox;
  session: SolidSession;
  client: PodClient;
  bridgeWebId: string;
  provisioner: SolidProvisioner;
  repo: PodRepository;
  close(): Promise<void>;
}

export async function startWorld(): Promise<SolidWorld> {
  const peer = new SolidPeer();
  const { baseUrl } = await peer.start();
  const store = await createTestStore();
  const box = new SecretBox(randomBytes(32));
  const session = await bridgeSession({ ds: store.ds, box, serverUrl: baseUrl, emailDomain: 'pontis.test' });
  const bridgeWebId = await session.webId();
  const provisioner = new SolidProvisioner({ ds: store.ds, box, serverUrl: baseUrl, emailDomain: 'pontis.test', bridgeWebId: async () => bridgeWebId });
  return {
    peer,
    baseUrl,
    store,
    box,
    session,
    client: new PodClient(session),
    bridgeWebId,
    provisioner,
    repo: new PodRepository(store.ds),
    async close() {
      await store.drop();
      await peer.stop();
    },
  };
}

/** A person with their own pod who granted the bridge's WebID Read/Append/Write on social/ (through the peer's API). */
export async function personWithGrant(w: SolidWorld, name: string): Promise<{ account: SolidAccount; socialUrl: string; personal: ReturnType<SolidPeer['client']> }> {
  const account = await w.peer.createAccount({ email: `${name}@example.org`, password: 'correct horse battery' });
  const personal = w.peer.client(account);
  const socialUrl = socialUrlOf(account.podUrl);
  for (const path of ['social/', 'social/outbox/', 'social/inbox/', 'social/media/']) {
    const res = await personal.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
    if (!res.ok && res.status !== 409) throw new Error(`creating ${path}: ${res.status} ${await res.text()}`);
  }
  await grant(personal, socialUrl, account.webId, w.bridgeWebId);
  return { account, socialUrl, personal };
}

export async function grant(personal: ReturnType<SolidPeer['client']>, socialUrl: string, owner: string, bridge: string): Promise<void> {
  const res = await personal.fetch(`${socialUrl}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: linkGrantAcl(socialUrl, owner, bridge) });
  if (!res.ok) throw new Error(`grant: ${res.status} ${await res.text()}`);
}

/** Takes the bridge's access away again: only the owner remains in social/'s ACL. */
export async function revoke(personal: ReturnType<SolidPeer['client']>, socialUrl: string, owner: string): Promise<void> {
  const acl = `@prefix acl: <http://www.w3.org/ns/auth/acl#>.
<#owner> a acl:Authorization; acl:agent <${owner}>; acl:accessTo <${socialUrl}>; acl:default <${socialUrl}>; acl:mode acl:Read, acl:Write, acl:Append, acl:Control.
`;
  const res = await personal.fetch(`${socialUrl}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: acl });
  if (!res.ok) throw new Error(`revoke: ${res.status} ${await res.text()}`);
}

export async function fediversePerson(w: SolidWorld, name: string): Promise<string> {
  return seedAccount(w.store.ds, [{ network: 'activitypub', id: `https://mastodon.example/users/${name}`, handle: `@${name}@mastodon.example`, kind: 'native' }]);
}

/** A public post from the fediverse as the ActivityPub adapter would normalize it (`hello <n>`). */
export function fediversePost(n: string, actor = 'https://mastodon.example/users/carol'): BridgeEvent {
  const e = eventFixture('post.created');
  e.source.id = `${actor}/statuses/${n}`;
  e.source.url = `https://mastodon.example/@carol/${n}`;
  e.id = `activitypub:${e.source.id}`;
  e.actor = { network: 'activitypub', id: actor, handle: '@carol@mastodon.example' };
  e.object!.text = `hello ${n}`;
  e.object!.html = undefined;
  e.object!.facets = [];
  e.object!.url = e.source.url;
  return e;
}
