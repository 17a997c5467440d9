import type { DataSource } from 'typeorm';
import { DeliveryError } from '../../../libs/adapter/index.js';
import type { ArchiveBackfill } from '../archive/index.js';
import type { SolidIngest } from '../ingest/index.js';
import { folderUrl, socialUrlOf } from '../mapping/index.js';
import { PodRepository, remoteFetch, type PodClient, type PodRow, type UrlGuard } from '../pod/index.js';
import { linkNativeIdentity } from '../../../libs/store/index.js';
import { LinkError } from './link-error.js';
import { registerTypeIndex } from './pod-setup.js';
import { profileForLink, storageIn } from './webid-profile.js';


export interface LinkResult {
  accountId: string;
  webId: string;
  socialUrl: string;
  /** The public type index could be registered (needs write access to the profile, which the grant does not give). */
  typeIndex: string;
  watching: boolean;
}

/**
 * Links a person's own WebID. The proof is the grant itself: only whoever controls the pod can
 * give the bridge's WebID Read/Append/Write on `social/`, and linking checks that it has them
 * (WAC-Allow) before anything is stored. Linking opts the account in; what is already in the pod
 * is recorded, not bridged (only what comes after is).
 */
export class SolidLinkService {
  private readonly repo: PodRepository;

  constructor(
    private readonly o: {
      ds: DataSource;
      client: PodClient;
      bridgeWebId: string;
      ingest?: SolidIngest;
      guard?: UrlGuard;
      /** Copies the person's past posts into the pod when they turn the archive on. */
      backfill?: Pick<ArchiveBackfill, 'start'>;
    },
  ) {
    this.repo = new PodRepository(o.ds);
  }

  /** Where the WebID's `social/` container is (its storage from the profile or discovery). */
  async prepare(webId: string): Promise<{ storage: string; socialUrl: string }> {
    if (!/^https?:\/\/\S+$/.test(webId)) throw new LinkError(400, 'webId must be an http(s) URL');
    if (webId === this.o.bridgeWebId) throw new LinkError(409, 'this is the bridge’s own WebID');
    const storage = await this.storageOf(webId);
    return { storage, socialUrl: socialUrlOf(storage) };
  }

  async podOf(webId: string): Promise<PodRow> {
    const pod = await this.repo.byWebId(webId);
    if (!pod || pod.mode !== 'linked') throw new LinkError(404, 'this WebID is not linked');
    return pod;
  }

  async link(webId: string, intoAccount?: string): Promise<LinkResult> {
    const { storage, socialUrl } = await this.prepare(webId);
    await this.checkGrant(socialUrl);
    for (const f of ['outbox', 'inbox', 'media'] as const) {
      const url = folderUrl(socialUrl, f);
      if ((await this.o.client.get(url)).status === 404) await this.o.client.put(url, '', 'text/turtle');
    }
    let typeIndex = 'registered';
    try {
      await registerTypeIndex(this.o.client, webId, storage, socialUrl);
    } catch (err) {
      typeIndex = `not registered: ${err instanceof DeliveryError ? err.describe() : String(err)} (the person can add solid:publicTypeIndex entries for ${socialUrl}outbox/ themselves)`;
    }
    const accountId = await this.accountFor(webId, storage, socialUrl, intoAccount);
    const pod = (await this.repo.byWebId(webId))!;
    let watching = false;
    if (this.o.ingest) {
      await this.o.ingest.watch(pod);
      watching = true;
    }
    return { accountId, webId, socialUrl, typeIndex, watching };
  }

  /** The person's archive choice: copy what they post anywhere into their pod. */
  async setArchive(webId: string, on: boolean): Promise<PodRow> {
    const pod = await this.podOf(webId);
    await this.o.ds.transaction(async (m) => {
      await m.query(`UPDATE solid_pods SET archive = $2, updated_at = now() WHERE id = $1`, [pod.id, on]);
      // The translator sends a person's posts to their own pod only when it mirrors there natively.
      await m.query(`UPDATE accounts SET mirror = mirror || jsonb_build_object('solid', $2::text), updated_at = now() WHERE id = $1`, [pod.accountId, on ? 'native' : 'off']);
    });
    // Turning it on (again) fetches the history; a run already going on is left to finish.
    if (on && !pod.archive) this.o.backfill?.start(pod.id);
    return (await this.repo.byWebId(webId))!;
  }

  private async storageOf(webId: string): Promise<string> {
    const doc = await profileForLink(webId, { guard: this.o.guard });
    const storage = storageIn(doc, webId) ?? (await this.storageAbove(webId));
    if (!storage) throw new LinkError(400, 'the WebID profile names no pim:storage, and no container above it is a storage');
    if (this.o.guard && !(await this.o.guard.check(storage)).ok) throw new LinkError(400, 'the storage is on a private address');
    return storage;
  }

  /**
   * Solid Protocol storage discovery when the profile names none (CSS 7 pods): the nearest
   * container above the WebID document whose Link header says rel="type" pim:Storage.
   */
  private async storageAbove(webId: string): Promise<string | undefined> {
    const u = new URL(webId);
    const segments = u.pathname.split('/').slice(1, -1);
    for (let i = segments.length; i >= 0; i--) {
      const url = `${u.origin}/${segments.slice(0, i).map((s) => `${s}/`).join('')}`;
      try {
        const res = await remoteFetch(this.o.guard)(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000), redirect: 'error' });
        if (/<http:\/\/www\.w3\.org\/ns\/pim\/space#Storage>\s*;\s*rel="?type"?/.test(res.headers.get('link') ?? '')) return url;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  private async checkGrant(socialUrl: string): Promise<void> {
    const need = `grant the bridge's WebID ${this.o.bridgeWebId} Read, Append and Write on ${socialUrl} (with acl:default), then link again`;
    let r;
    try {
      r = await this.o.client.get(socialUrl);
    } catch (err) {
      if (err instanceof DeliveryError && (err.status === 401 || err.status === 403)) throw new LinkError(403, `the pod does not let the bridge in: ${need}`);
      throw new LinkError(502, `the pod could not be reached: ${err instanceof DeliveryError ? err.describe() : String(err)}`);
    }
    if (r.status === 404) throw new LinkError(403, `${socialUrl} does not exist (or is hidden): create it and ${need}`);
    const missing = ['read', 'append', 'write'].filter((m) => !r.user.has(m));
    if (missing.length) throw new LinkError(403, `the bridge lacks ${missing.join(', ')} on ${socialUrl}: ${need}`);
  }

  /** Account, native identity and pod row, in one transaction; an existing link is refreshed. */
  private async accountFor(webId: string, storage: string, socialUrl: string, intoAccount?: string): Promise<string> {
    return this.o.ds.transaction(async (m) => {
      // A pod gets a copy of the person's posts only when they choose the archive: "off" until then.
      const r = await linkNativeIdentity(m, { network: 'solid', nativeId: webId, intoAccount, mirrorDefaults: { solid: 'off' } });
      if (!r.ok) throw new LinkError(r.status, r.reason);
      const { accountId, identityId } = r;
      await m.query(
        `INSERT INTO solid_pods (account_id, identity_id, web_id, storage_url, social_url, mode, ready) VALUES ($1, $2, $3, $4, $5, 'linked', true)
         ON CONFLICT (web_id) DO UPDATE SET account_id = EXCLUDED.account_id, storage_url = EXCLUDED.storage_url, social_url = EXCLUDED.social_url, access = 'ok', last_error = NULL, ready = true, updated_at = now()`,
        [accountId, identityId, webId, storage, socialUrl],
      );
      return accountId;
    });
  }
}
