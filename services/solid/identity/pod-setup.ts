import { LAYOUT } from '../mapping/index.js';
import { linkTypeIndexPatch, listableContainerAcl, publicTypeIndex, socialContainerAcl, type PodClient } from '../pod/index.js';

const TURTLE = 'text/turtle';

/**
 * Lays out a pod the bridge hosts, as its owner: `social/` with its ACL (owner and the bridge's
 * WebID, inherited), the outbox/inbox/media containers, and the public type index linked from
 * the WebID profile. Every step is a PUT or an idempotent patch: running it twice is harmless.
 */
export async function setUpBridgedPod(owner: PodClient, p: { webId: string; storageUrl: string; socialUrl: string; bridgeWebId: string }): Promise<void> {
  await owner.put(p.socialUrl, '', TURTLE);
  await owner.put(await owner.aclUrl(p.socialUrl), socialContainerAcl(p.socialUrl, p.webId, p.bridgeWebId), TURTLE);
  for (const folder of [LAYOUT.outbox, LAYOUT.inbox, LAYOUT.media]) await owner.put(new URL(folder, p.storageUrl).href, '', TURTLE);
  // Like a public outbox on the fediverse: anyone may list it (only public posts are readable).
  const outbox = new URL(LAYOUT.outbox, p.storageUrl).href;
  await owner.put(await owner.aclUrl(outbox), listableContainerAcl(outbox, p.webId, p.bridgeWebId), TURTLE);
  await registerTypeIndex(owner, p.webId, p.storageUrl, p.socialUrl);
}

/** The public type index (world-readable) and its link from the profile. */
export async function registerTypeIndex(client: PodClient, webId: string, storageUrl: string, socialUrl: string): Promise<void> {
  const index = new URL('settings/publicTypeIndex.ttl', storageUrl).href;
  await client.put(index, publicTypeIndex(index, socialUrl), TURTLE);
  await client.setAccess(index, webId, webId, true);
  await client.patch(new URL(webId).href.replace(/#.*$/, ''), linkTypeIndexPatch(webId, index));
}
