import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createLogger } from '../../../libs/observability/index.js';
import type { SecretBox } from '../../../libs/store/index.js';
import { createPodAccount, SolidSession, type ClientCredentials } from '../pod/index.js';

const log = createLogger('solid-bridge-identity');

/**
 * The bridge's own WebID: the agent people grant access to and the writer of every inbox notice.
 * Client credentials given in the config are used as they are; otherwise an account is created
 * once on the bridge's own Solid server (account API) and its credentials kept in key_material.
 */
export async function bridgeSession(o: { ds: DataSource; box: SecretBox; serverUrl: string; emailDomain: string; preset?: ClientCredentials }): Promise<SolidSession> {
  await o.ds.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('pontis.solid.bridge-identity'))`);
    const rows: { public_key: string | null }[] = await m.query(`SELECT public_key FROM key_material WHERE identity_id IS NULL AND purpose = 'solid-session'`);
    const stored = rows[0]?.public_key;
    if (o.preset) {
      if (stored !== o.preset.webId) await SolidSession.save(m, o.box, null, o.preset);
      return;
    }
    if (stored) return;
    const created = await createPodAccount(o.serverUrl, { podName: `pontis-${randomBytes(4).toString('hex')}`, emailDomain: o.emailDomain });
    await SolidSession.save(m, o.box, null, created);
    log.info('created the bridge’s own WebID', { webId: created.webId });
  });
  return new SolidSession({ ds: o.ds, box: o.box, identityId: null });
}
