import type { DataSource } from 'typeorm';
import { DeliveryError, type DeliveryResult } from '../../../libs/adapter/index.js';
import { actorKey, type MappedRef, type OutboundCommand } from '../../../libs/events/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import type { SolidProvisioner } from '../identity/index.js';
import { folderUrl, JSON_LD, mediaSlug, render, type PodWrite } from '../mapping/index.js';
import { PodClient, PodRepository, resourceAcl, SolidSession, type PodRow, type UrlGuard } from '../pod/index.js';
import type { SecretBox } from '../../../libs/store/index.js';
import { copyMedia } from './media-copier.js';

export interface SolidDelivererOptions {
  ds: DataSource;
  /** Pod HTTP as the bridge's own WebID. */
  client: PodClient;
  bridgeWebId: string;
  provisioner: SolidProvisioner;
  bridgeUrl?: string;
  /** Checks attachment origins before they are fetched for copying (SSRF). */
  guard?: UrlGuard;
  /** Copy attachments into social/media/ (default true). */
  copyMedia?: boolean;
  /** Opens the stored Solid-OIDC logins of people who linked their pod (to share public copies as them). */
  box?: SecretBox;
  logger?: Logger;
}

/**
 * deliver() for the outbound runner: finds the pod to write to (the account's bridged pod,
 * provisioned on first use, or for `native` mode the person's own linked pod when they chose the
 * archive), renders with the pure mapper and PUTs/DELETEs the resources. Resource names come
 * from the command id, so a retry overwrites rather than duplicates.
 */
export class SolidDeliverer {
  private readonly repo: PodRepository;
  private readonly log: Logger;

  constructor(private readonly o: SolidDelivererOptions) {
    this.repo = new PodRepository(o.ds);
    this.log = o.logger ?? createLogger('solid-deliverer');
  }

  readonly deliver = async (command: OutboundCommand): Promise<DeliveryResult> => {
    const accountId = command.as.accountId;
    if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw new DeliveryError(`no account to publish as (${JSON.stringify(accountId)})`, { kind: 'permanent', target: 'solid', status: 'no-account' });
    const pod = await this.podFor(command);
    if ('skipped' in pod) return pod;
    const refs = Object.values(command.refs).filter((r): r is MappedRef => r !== undefined);
    const socials = await this.repo.socialContaining(refs.filter((r) => r.original).map((r) => r.id));
    const media = await this.copyAttachments(command, pod);
    const followed = await this.linkedSocialOf(command);
    const { writes, ref, skipped } = render(command, {
      me: { webId: pod.webId, socialUrl: pod.socialUrl },
      socialOf: (r) => socials.get(r.id),
      socialOfPerson: (webId) => followed.get(webId),
      mediaCopy: (i) => media.get(i),
      bridgeUrl: this.o.bridgeUrl,
    });
    if (!writes.length) {
      this.log.info('nothing to write', { commandId: command.id, type: command.event.type, reason: skipped });
      return { skipped: skipped ?? 'nothing to write' };
    }
    this.log.debug('writing', { commandId: command.id, writes: writes.map((w) => `${w.op} ${w.url}`) });
    const recorded = ref ? await this.recordCopy(command.objectKey, ref.id) : false;
    try {
      for (const w of writes) await this.apply(w, pod, ref?.id);
    } catch (err) {
      // Never written and never will be: leave no copy in the object map that points nowhere.
      if (recorded && err instanceof DeliveryError && err.kind !== 'transient') await this.forgetCopy(command.objectKey, ref!.id);
      throw err;
    }
    return { ref };
  };

  /** Binaries first, so the note written next points at copies that exist. Same names on a retry. */
  private async copyAttachments(command: OutboundCommand, pod: PodRow): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const e = command.event;
    if (this.o.copyMedia === false || !e.object?.attachments.length || (e.type !== 'post.created' && e.type !== 'post.updated')) return out;
    const isPublic = e.object.visibility === 'public' || e.object.visibility === 'unlisted';
    for (const [i, a] of e.object.attachments.entries()) {
      const target = folderUrl(pod.socialUrl, 'media') + mediaSlug(command.id, i, a.mediaType);
      if (!(await copyMedia({ client: this.o.client, guard: this.o.guard }, a, target))) continue;
      if (pod.mode === 'bridged') await this.o.client.setAccess(target, pod.webId, this.o.bridgeWebId, isPublic);
      out.set(i, target);
    }
    return out;
  }

  /** A followed person's own linked pod, whose inbox gets the Follow notice (LDN). */
  private async linkedSocialOf(command: OutboundCommand): Promise<Map<string, string>> {
    const e = command.event;
    const subject = e.type === 'follow.created' && e.subject ? command.actors[actorKey(e.subject)] : undefined;
    const pod = subject ? await this.repo.byWebId(subject.id) : undefined;
    return pod?.mode === 'linked' && pod.access !== 'revoked' ? new Map([[pod.webId, pod.socialUrl]]) : new Map();
  }

  private async podFor(command: OutboundCommand): Promise<PodRow | { skipped: string }> {
    if (command.as.mode === 'native') {
      const pod = await this.repo.byAccount(command.as.accountId, 'linked');
      if (!pod) throw new DeliveryError('the account has no linked Solid pod', { kind: 'permanent', target: 'solid', status: 'not-linked' });
      if (!pod.archive) return { skipped: 'the person has not chosen to archive into their pod' };
      if (pod.access === 'revoked') throw revoked(pod, pod.lastError ?? 'access revoked');
      return pod;
    }
    return this.o.provisioner.provisionIdentity(command.as.accountId);
  }

  private async apply(w: PodWrite, pod: PodRow, copyUrl: string | undefined): Promise<void> {
    try {
      if (w.op === 'delete') {
        await this.o.client.delete(w.url);
        for (const inbox of await this.repo.inboxCopies(w.url)) {
          await this.o.client.delete(inbox).catch((err: unknown) => this.log.warn('inbox notice not removed', { inbox, err: String(err) }));
          await this.repo.forgetInboxCopy(w.url, inbox);
        }
        return;
      }
      if (w.role === 'inbox') return await this.notify(w, copyUrl);
      await this.o.client.put(w.url, JSON.stringify(w.body), JSON_LD);
      // The bridge controls bridged pods; in a person's own pod the container's ACL (theirs) decides,
      // unless they logged in here: then a public post is made world-readable with their session.
      if (pod.mode === 'bridged') await this.o.client.setAccess(w.url, pod.webId, this.o.bridgeWebId, w.public);
      else if (w.public && w.role === 'outbox') await this.shareAsOwner(pod, w.url);
    } catch (err) {
      if (err instanceof DeliveryError && (err.status === 401 || err.status === 403) && pod.mode === 'linked') {
        await this.repo.setAccess(pod.id, 'revoked', revokedReason(pod, err.status));
        throw revoked(pod, revokedReason(pod, err.status));
      }
      throw err;
    }
  }

  /**
   * The inbox notice is a courtesy to the original's author: the copy exists without it. A pod
   * that refuses it (access revoked) is recorded on that pod and the delivery still succeeds;
   * a transient failure is retried with the whole (idempotent) command.
   */
  private async notify(w: Extract<PodWrite, { op: 'put' }>, copyUrl: string | undefined): Promise<void> {
    try {
      await this.o.client.put(w.url, JSON.stringify(w.body), JSON_LD);
      if (copyUrl) await this.repo.addInboxCopy(copyUrl, w.url);
    } catch (err) {
      if (!(err instanceof DeliveryError) || err.kind === 'transient') throw err;
      const owner = (await this.repo.socialContaining([w.url])).get(w.url);
      const pod = owner ? await this.podBySocial(owner) : undefined;
      if (pod && (err.status === 401 || err.status === 403)) await this.repo.setAccess(pod.id, 'revoked', revokedReason(pod, err.status));
      this.log.warn('inbox notice refused', { inbox: w.url, err: err.describe() });
    }
  }

  /**
   * The person's own session (stored by their Solid-OIDC login, renewed under the per-identity
   * lock) writes the copy's ACL: owner, the bridge without Control, anyone reading. Without a
   * stored login, or when it no longer works, the copy stays as the container's ACL has it.
   */
  private async shareAsOwner(pod: PodRow, url: string): Promise<void> {
    if (!this.o.box || !(await SolidSession.webIdOf(this.o.ds, this.o.box, pod.identityId))) return;
    const owner = new PodClient(new SolidSession({ ds: this.o.ds, box: this.o.box, identityId: pod.identityId }), this.o.guard);
    try {
      await owner.put(await owner.aclUrl(url), resourceAcl(url, pod.webId, this.o.bridgeWebId, true, { bridgeControl: false }), 'text/turtle');
    } catch (err) {
      this.log.warn('public copy not shared (the person’s login no longer works?)', { url, err: err instanceof DeliveryError ? err.describe() : String(err) });
    }
  }

  private async podBySocial(socialUrl: string): Promise<PodRow | undefined> {
    const rows: { web_id: string }[] = await this.o.ds.query(`SELECT web_id FROM solid_pods WHERE social_url = $1`, [socialUrl]);
    return rows[0] ? this.repo.byWebId(rows[0].web_id) : undefined;
  }

  /** Before writing: our own resource seen again (a linked pod's reconciliation) is known as a copy. */
  private async recordCopy(objectKey: string, nativeId: string): Promise<boolean> {
    const rows: unknown[] = await this.o.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'solid', $2, false) ON CONFLICT (network, native_id) DO NOTHING RETURNING id`,
      [objectKey, nativeId],
    );
    return rows.length > 0;
  }

  private async forgetCopy(objectKey: string, nativeId: string): Promise<void> {
    await this.o.ds.query(`DELETE FROM object_map WHERE network = 'solid' AND native_id = $1 AND object_key = $2 AND NOT is_original`, [nativeId, objectKey]);
  }
}

export function revokedReason(pod: Pick<PodRow, 'socialUrl'>, status: number | string | undefined): string {
  return `the pod no longer grants the bridge's WebID access to ${pod.socialUrl} (HTTP ${status}); the person can grant Read/Append/Write again`;
}

function revoked(pod: PodRow, reason: string): DeliveryError {
  return new DeliveryError(reason, { kind: 'permanent', target: pod.socialUrl, status: 'access-revoked' });
}
