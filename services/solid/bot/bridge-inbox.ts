import type { PodClient } from '../pod/index.js';

/**
 * Names the bridge's inbox (the Solid bot, solid-inbox.controller.ts) as `ldp:inbox` in the bridge
 * WebID's profile, so Solid apps find where to send a Follow or a message. An N3 patch that only
 * inserts: run at every start, it changes nothing once the triple is there.
 */
export async function announceBridgeInbox(client: Pick<PodClient, 'patch'>, webId: string, inboxUrl: string): Promise<void> {
  const profile = webId.split('#')[0]!;
  const patch = `@prefix solid: <http://www.w3.org/ns/solid/terms#>.
_:add a solid:InsertDeletePatch; solid:inserts { <${webId}> <http://www.w3.org/ns/ldp#inbox> <${inboxUrl}>. }.`;
  await client.patch(profile, patch, 'text/n3');
}
