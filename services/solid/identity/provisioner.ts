import type { DataSource } from 'typeorm';
import { DeliveryError } from '../../../libs/adapter/index.js';
import type { SecretBox } from '../../../libs/store/index.js';
import { socialUrlOf } from '../mapping/index.js';
import { createPodAccount, PodClient, PodRepository, SolidSession, type PodRow } from '../pod/index.js';
import { bridgedPodName } from './pod-names.js';
import { setUpBridgedPod } from './pod-setup.js';

export interface SolidProvisionerOptions {
  ds: DataSource;
  box: SecretBox;
  /** The bridge's own Solid server (account API). */
  serverUrl: string;
  emailDomain: string;
  bridgeWebId: () => Promise<string>;
}

/**
 * A WebID and pod on the bridge's own Solid server for a person from another network. The
 * account is created through the server's account API; its credentials are kept (encrypted) for
 * the one-time setup as the pod's owner, after which the bridge's own WebID does the writing.
 */
export class SolidProvisioner {
  private readonly repo: PodRepository;

  constructor(private readonly o: SolidProvisionerOptions) {
    this.repo = new PodRepository(o.ds);
  }

  async provisionIdentity(accountId: string): Promise<PodRow> {
    const existing = await this.repo.byAccount(accountId, 'bridged');
    if (existing?.ready) return existing;
    const podId = existing?.id ?? (await this.create(accountId));
    const pod = (await this.repo.byId(podId))!;
    if (!pod.ready) {
      // The pod's owner lays it out once; a crash before markReady repeats the (idempotent) setup.
      const owner = new PodClient(new SolidSession({ ds: this.o.ds, box: this.o.box, identityId: pod.identityId }));
      await setUpBridgedPod(owner, { webId: pod.webId, storageUrl: pod.storageUrl, socialUrl: pod.socialUrl, bridgeWebId: await this.o.bridgeWebId() });
      await this.repo.markReady(pod.id);
    }
    return (await this.repo.byId(podId))!;
  }

  /** Account rows under an advisory lock per account, so two deliverers never create two pods. */
  private async create(accountId: string): Promise<string> {
    return this.o.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pontis.solid.provision:${accountId}`]);
      const again: { id: string }[] = await m.query(`SELECT id FROM solid_pods WHERE account_id = $1 AND mode = 'bridged'`, [accountId]);
      if (again[0]) return again[0].id;
      const sources: { network: string; native_id: string; handle: string | null }[] = await m.query(
        `SELECT network, native_id, handle FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY created_at, id`,
        [accountId],
      );
      const source = sources.find((s) => s.network !== 'solid');
      if (!source) {
        const why = sources.length ? 'the account is on Solid already (a linked WebID): it needs no bridged one' : 'the account has no original identity to name it after';
        throw new DeliveryError(`cannot provision a Solid identity for account ${accountId}`, { kind: 'permanent', target: 'solid provisioning', status: 'no-source', body: why });
      }
      const podName = bridgedPodName({ network: source.network, nativeId: source.native_id, handle: source.handle });
      const created = await createPodAccount(this.o.serverUrl, { podName, emailDomain: this.o.emailDomain });
      const [identity]: { id: string }[] = await m.query(
        `INSERT INTO identities (account_id, network, native_id, handle, kind) VALUES ($1, 'solid', $2, $3, 'bridged') RETURNING id`,
        [accountId, created.webId, podName],
      );
      await SolidSession.save(m, this.o.box, identity!.id, created);
      return this.repo.insert({ accountId, identityId: identity!.id, webId: created.webId, storageUrl: created.podUrl, socialUrl: socialUrlOf(created.podUrl), mode: 'bridged' }, m);
    });
  }
}
