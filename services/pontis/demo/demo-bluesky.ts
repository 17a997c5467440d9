import type { AtprotoPeer } from '../../../libs/harness/peers/atproto-peer.js';
import { postJson, type DemoPerson, type PontisAddress } from './demo-person.js';

const POST = 'app.bsky.feed.post';

/** An account on the sandbox's PDS, linked with an app password as a Bluesky user would. */
export async function blueskyDemoPerson(pds: AtprotoPeer, pontis: PontisAddress, name: string): Promise<DemoPerson> {
  const domain = pds.info?.handleDomains[0] ?? '.test';
  const handle = `${name}${domain}`;
  const password = `demo-${Math.random().toString(36).slice(2)}`;
  const account = await pds.createAccount({ handle, email: `${name}@sandbox.example`, password });
  await postJson(`${pontis.api}/api/v1/atproto/link`, { identifier: handle, appPassword: password });
  const agent = await pds.login(handle, password);
  const create = (collection: string, record: Record<string, unknown>) =>
    agent.com.atproto.repo.createRecord({ repo: account.did, collection, record: { $type: collection, createdAt: new Date().toISOString(), ...record } });
  /** A strong ref (uri + cid) to a record, and the thread root it replies to if any. */
  const ref = async (uri: string) => {
    const [, , repo, collection, rkey] = uri.split('/');
    const { data } = await agent.com.atproto.repo.getRecord({ repo: repo!, collection: collection!, rkey: rkey! });
    const reply = (data.value as { reply?: { root?: { uri: string; cid: string } } }).reply;
    return { self: { uri: data.uri, cid: data.cid! }, root: reply?.root ?? { uri: data.uri, cid: data.cid! } };
  };
  return {
    network: 'atproto',
    handle,
    nativeId: account.did,
    post: async (text) => void (await create(POST, { text })),
    reply: async (to, text) => {
      const parent = await ref(to.nativeId);
      await create(POST, { text, reply: { root: parent.root, parent: parent.self } });
    },
    like: async (to) => void (await create('app.bsky.feed.like', { subject: (await ref(to.nativeId)).self })),
  };
}
