import type { ActivityPubPeer } from '../../../libs/harness/peers/activitypub-peer.js';
import type { DemoPerson, PontisAddress } from './demo-person.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A user of the sandbox's fediverse server who links by following the bridge's instance actor
 * (`@pontis`), as a Mastodon user would; the bridge follows back.
 */
export async function fediverseDemoPerson(ap: ActivityPubPeer, pontis: PontisAddress, name: string, displayName: string): Promise<DemoPerson> {
  const user = await ap.createUser(name, { displayName });
  const instance = `${pontis.publicUrl}/ap/users/pontis`;
  await ap.follow(user.name, instance);
  const deadline = Date.now() + 60_000;
  while (!(await ap.followers(user.name)).some((f) => f.id === instance)) {
    if (Date.now() > deadline) throw new Error('the bridge did not follow the fediverse demo person back within 60 s');
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return {
    network: 'activitypub',
    handle: `@${user.handle}`,
    nativeId: user.id,
    post: async (text) => void (await ap.createNote(user.name, { content: `<p>${escapeHtml(text)}</p>` })),
    reply: async (to, text) => void (await ap.createNote(user.name, { content: `<p>${escapeHtml(text)}</p>`, inReplyTo: to.nativeId, to: [to.author] })),
    like: async (to) => void (await ap.send({ from: user.name, to: to.author, activity: { type: 'Like', object: to.nativeId } })),
  };
}
