import { DeliveryError } from '../../../libs/adapter/index.js';
import { folderUrl } from '../mapping/index.js';
import { linkGrantAcl, linkGrantPatch, type PodClient } from '../pod/index.js';
import { LinkError } from './link-error.js';

/**
 * The one-time step of linking, done with the person's own Solid-OIDC session: `social/` and its
 * containers exist, and the bridge's WebID may Read/Append/Write under it (acl:default). An ACL
 * the person already has gets the bridge's authorization added (their other grants stay); without
 * one, `social/` gets the owner's full rights plus the bridge's. Nothing is written when the
 * bridge already has the modes. Answers what was done.
 */
export async function ensureGrant(p: { person: PodClient; bridge: PodClient; socialUrl: string; webId: string; bridgeWebId: string }): Promise<'already granted' | 'granted'> {
  try {
    for (const url of [p.socialUrl, ...(['outbox', 'inbox', 'media'] as const).map((f) => folderUrl(p.socialUrl, f))])
      if ((await p.person.get(url)).status === 404) await p.person.put(url, '', 'text/turtle');
    if (await bridgeHasModes(p.bridge, p.socialUrl)) return 'already granted';
    const aclUrl = await p.person.aclUrl(p.socialUrl);
    if ((await p.person.get(aclUrl, 'text/turtle')).status === 404) await p.person.put(aclUrl, linkGrantAcl(p.socialUrl, p.webId, p.bridgeWebId), 'text/turtle');
    else await p.person.patch(aclUrl, linkGrantPatch(p.socialUrl, p.bridgeWebId));
  } catch (err) {
    if (err instanceof DeliveryError && (err.status === 401 || err.status === 403))
      throw new LinkError(403, `your login may not change who can access ${p.socialUrl} (HTTP ${err.status}): the WebID needs Control on it`);
    if (err instanceof DeliveryError) throw new LinkError(502, `the pod refused the grant: ${err.describe()}`);
    throw err;
  }
  return 'granted';
}

async function bridgeHasModes(bridge: PodClient, socialUrl: string): Promise<boolean> {
  try {
    const r = await bridge.get(socialUrl);
    return ['read', 'append', 'write'].every((m) => r.user.has(m));
  } catch (err) {
    if (err instanceof DeliveryError && (err.status === 401 || err.status === 403)) return false;
    throw err;
  }
}
