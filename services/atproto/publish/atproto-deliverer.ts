import { createHash, randomUUID } from 'node:crypto';
import { XRPCError, type Agent } from '@atproto/api';
import type { DataSource } from 'typeorm';
import { DeliveryError, type DeliveryResult } from '../../../libs/adapter/index.js';
import { actorKey, type OutboundCommand } from '../../../libs/events/index.js';
import type { AddressGuard } from '../../../libs/net/index.js';
import { Lru } from '../../../libs/collections/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import type { PdsAccounts } from '../identity/pds-accounts.js';
import { isSessionGone, type SessionPool } from '../identity/session-pool.js';
import type { PdsDirectory } from '../identity/pds-directory.js';
import { assertValidRecord, atUri, COLLECTION, InvalidRecordError, MAX_IMAGES, parseAtUri, PROFILE_RKEY, render, type BlobJson, type RenderContext, type RepoWrite, type StrongRef } from '../mapping/index.js';
import { longTextMode } from '../identity/preferences.js';
import { fetchPageMeta } from './link-card.js';
import { uploadImage } from './media.js';
import { uploadVideo } from './video.js';
import { toDeliveryError } from './xrpc-http.js';

export interface AtprotoDelivererOptions {
  ds: DataSource;
  accounts: PdsAccounts;
  sessions: SessionPool;
  /** Where DIDs live (our PDS for bridged accounts; resolved for others). */
  directory: PdsDirectory;
  guard: AddressGuard;
  logger?: Logger;
}

const MAX_CACHED_IDENTITIES = 10_000;
/** How long a provisioned identity is trusted without looking again (another process may have changed it). */
const IDENTITY_TTL_MS = 10 * 60_000;

interface Me {
  identityId: string;
  did: string;
  service: string;
}

/**
 * deliver() for the outbound runner: the identity (provisioned on first use, or the person's own
 * linked account), the I/O the pure renderer needs (missing CIDs, blobs, the current profile, our
 * follow record for an unfollow), then the writes. Idempotent: record keys come from the command
 * id, so a retry finds what an earlier attempt wrote instead of writing it twice.
 */
export class AtprotoDeliverer {
  private readonly log: Logger;
  /**
   * Bridged identities already provisioned, per account: without it every command opened a
   * transaction under the provisioning lock (5 of its 9 SQL round trips) to learn the same DID.
   * Forgotten after any failed delivery of the account and after IDENTITY_TTL_MS.
   */
  private readonly bridged = new Lru<{ me: Me; at: number }>(MAX_CACHED_IDENTITIES);

  constructor(private readonly o: AtprotoDelivererOptions) {
    this.log = o.logger ?? createLogger('atproto-deliverer');
  }

  readonly deliver = async (command: OutboundCommand): Promise<DeliveryResult> => {
    try {
      return await this.deliverOnce(command);
    } catch (err) {
      // Whatever went wrong, the next attempt reads the identity again (deactivated, relinked, gone).
      this.bridged.delete(command.as.accountId);
      throw err;
    }
  };

  private async deliverOnce(command: OutboundCommand): Promise<DeliveryResult> {
    if (command.event.type === 'account.deleted') return this.accountDeleted(command);
    const me = await this.identity(command);
    const agent = await this.o.sessions.agentFor(me).catch((err: unknown) => {
      throw this.sessionGone(err, me) ?? toDeliveryError(err, `${me.service} session`);
    });
    try {
      const ctx = await this.context(command, me, agent);
      const result = render(command, ctx);
      if (!result.writes.length) {
        this.log.debug('nothing to write', { commandId: command.id, reason: result.skipped, refs: command.refs });
        return { skipped: result.skipped ?? 'nothing to write' };
      }
      let primary: { uri: string; cid?: string } | undefined;
      const head = result.writes[result.primary ?? 0]!;
      // A record beside the copy (an edit's correction) gets an object key of its own: mapped under
      // the command's key it would be a second copy of the same object.
      const objectKey = result.aside ? randomUUID() : command.objectKey;
      // Before writing: the URI is known (the rkey is ours), so when the record comes back through
      // the firehose (a linked account we write into is watched) the translator sees our copy.
      // A thread's other parts get object keys of their own (derived), so they are recognized too
      // while replies and likes from elsewhere keep going to the first part.
      const creates = result.writes.filter((w) => w.action === 'create');
      const reserved: string[] = [];
      for (const [i, w] of creates.entries()) {
        const uri = atUri(me.did, w.collection, w.rkey);
        if (await this.reserveCopy(i === 0 ? objectKey : partObjectKey(objectKey, i), uri)) reserved.push(uri);
      }
      const written: { uri: string; cid?: string }[] = [];
      try {
        for (const [i, w] of result.writes.entries()) {
          if (result.thread && i > 0 && w.action === 'create') chainReply(w, result.writes[0]!, written);
          const ref = await this.write(agent, me.did, w);
          written.push(ref);
          if (i === (result.primary ?? 0)) primary = ref;
        }
      } catch (err) {
        const permanent = err instanceof XRPCError && err.status >= 400 && err.status < 500 && err.status !== 429;
        if (reserved.length && permanent) await this.o.ds.query(`DELETE FROM object_map WHERE network = 'atproto' AND native_id = ANY($1) AND NOT is_original`, [reserved]);
        throw err;
      }
      if (primary && head.action !== 'delete') await this.recordCopy(objectKey, head, me.did, primary);
      if (result.thread) for (const [i, w] of result.writes.entries()) if (i > 0) await this.recordPart(objectKey, i, w, me.did, written[i]!, primary!.uri);
      for (const w of result.writes) if (w.action === 'delete') await this.forget(me.did, w);
      this.log.debug('written', { commandId: command.id, uri: primary?.uri });
      if (result.aside) {
        const target = command.refs.target!;
        const cid = target.cid ?? ctx.cids?.get(target.id);
        return { ref: { network: 'atproto', id: target.id, ...(cid ? { cid } : {}) } };
      }
      return { ref: primary && head.action !== 'delete' ? { network: 'atproto', id: primary.uri, ...(primary.cid ? { cid: primary.cid } : {}) } : undefined };
    } catch (err) {
      if (err instanceof InvalidRecordError) throw new DeliveryError(err.message, { kind: 'permanent', target: me.service, status: 'invalid-record' });
      if (err instanceof XRPCError && (err.error === 'ExpiredToken' || err.error === 'InvalidToken')) this.o.sessions.drop(me.identityId);
      throw this.sessionGone(err, me) ?? toDeliveryError(err, me.service);
    }
  }

  /** A revoked OAuth session (or no credentials at all): permanent until the person links again; the cached agent goes. */
  private sessionGone(err: unknown, me: Me): DeliveryError | undefined {
    if (!isSessionGone(err)) return undefined;
    this.o.sessions.drop(me.identityId);
    return new DeliveryError(`no usable session for ${me.did}, the account must be linked again: ${(err as Error).message}`, { kind: 'permanent', target: me.service, status: 'relink-needed' });
  }

  /**
   * The person left their network: their bridged account is deactivated (its repo stops being
   * served, its DID and records stay ours, so a return can reactivate it). A linked account of
   * their own is theirs: never touched.
   */
  private async accountDeleted(command: OutboundCommand): Promise<DeliveryResult> {
    if (command.as.mode === 'native') return { skipped: "the person's own Bluesky account is theirs to delete" };
    this.bridged.delete(command.as.accountId);
    const rows: { id: string; native_id: string }[] = await this.o.ds.query(
      `SELECT id, native_id FROM identities WHERE account_id = $1 AND network = 'atproto' AND kind = 'bridged' AND native_id LIKE 'did:%'`,
      [command.as.accountId],
    );
    if (!rows[0]) return { skipped: 'no bridged account on our PDS' };
    try {
      await this.o.accounts.deactivate(rows[0].id, rows[0].native_id);
    } catch (err) {
      throw toDeliveryError(err, `${this.o.directory.ownPds} deactivateAccount`);
    }
    return {};
  }

  private async identity(command: OutboundCommand): Promise<Me> {
    const accountId = command.as.accountId;
    if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw new DeliveryError(`no account to publish as (${JSON.stringify(accountId)})`, { kind: 'permanent', target: 'atproto', status: 'no-account' });
    if (command.as.mode === 'native') {
      const rows: { id: string; native_id: string }[] = await this.o.ds.query(
        `SELECT id, native_id FROM identities WHERE account_id = $1 AND network = 'atproto' AND kind = 'native' ORDER BY created_at LIMIT 1`,
        [accountId],
      );
      const row = rows[0];
      if (!row) throw new DeliveryError('no linked Bluesky account to publish as', { kind: 'permanent', target: 'atproto', status: 'no-native' });
      return { identityId: row.id, did: row.native_id, service: await this.o.directory.pdsOf(row.native_id) };
    }
    const hit = this.bridged.get(accountId);
    if (hit && Date.now() - hit.at < IDENTITY_TTL_MS) return hit.me;
    const a = await this.o.accounts.provision(accountId);
    const me = { identityId: a.identityId, did: a.did, service: this.o.directory.ownPds };
    this.bridged.set(accountId, { me, at: Date.now() });
    return me;
  }

  private async context(command: OutboundCommand, me: Me, agent: Agent): Promise<RenderContext> {
    const e = command.event;
    const ctx: RenderContext = { did: me.did };
    const refs = Object.values(command.refs).filter((r) => r && !r.cid && parseAtUri(r.id));
    if (refs.length) {
      const cids = new Map<string, string>();
      for (const r of refs) {
        const cid = await this.cidOf(r!.id);
        if (cid) cids.set(r!.id, cid);
      }
      ctx.cids = cids;
    }
    if (e.type === 'post.created' || e.type === 'post.updated') {
      const images = (e.object?.attachments ?? []).filter((a) => a.mediaType.startsWith('image/')).slice(0, MAX_IMAGES);
      ctx.blobs = await this.blobs(agent, images.map((a) => a.url), command.id);
      // A post embeds pictures or one video, not both: the video only when no picture made it.
      const video = (e.object?.attachments ?? []).find((a) => a.mediaType.startsWith('video/'));
      if (!ctx.blobs.size && video) ctx.blobs = await this.blobs(agent, [video.url], command.id, uploadVideo);
      if (e.type === 'post.created' && !ctx.blobs.size) ctx.linkCard = await this.linkCard(agent, command);
      if (e.type === 'post.created') ctx.threadLongText = (await longTextMode(this.o.ds, command.as.accountId)) === 'thread';
    }
    if (e.type === 'post.deleted' && command.refs.target?.id) {
      const rows: { rkey: string }[] = await this.o.ds.query(`SELECT rkey FROM atproto_records WHERE did = $1 AND collection = $2 AND subject = $3`, [me.did, COLLECTION.post, command.refs.target.id]);
      if (rows.length) ctx.threadRkeys = rows.map((r) => r.rkey);
    }
    if (e.type === 'profile.updated') {
      ctx.blobs = await this.blobs(agent, [e.profile?.avatar?.url, e.profile?.banner?.url].filter((u): u is string => !!u), command.id);
      ctx.currentProfile = await this.currentProfile(agent, me.did);
    }
    if ((e.type === 'follow.deleted' || e.type === 'block.deleted') && e.subject) {
      const subject = e.subject.network === 'atproto' ? e.subject.id : command.actors[actorKey(e.subject)]?.id;
      const collection = e.type === 'follow.deleted' ? COLLECTION.follow : COLLECTION.block;
      const rows: { rkey: string }[] = await this.o.ds.query(`SELECT rkey FROM atproto_records WHERE did = $1 AND collection = $2 AND subject = $3 ORDER BY created_at DESC LIMIT 1`, [me.did, collection, subject ?? '']);
      if (rows[0]) ctx.existingRkey = rows[0].rkey;
    }
    return ctx;
  }

  /** A ref without a CID: the object map may have it (we wrote it, or saw it come in); else its repo does. */
  private async cidOf(uri: string): Promise<string | undefined> {
    const rows: { cid: string | null }[] = await this.o.ds.query(`SELECT cid FROM object_map WHERE network = 'atproto' AND native_id = $1 AND cid IS NOT NULL LIMIT 1`, [uri]);
    if (rows[0]?.cid) return rows[0].cid;
    const kept: { cid: string | null }[] = await this.o.ds.query(`SELECT cid FROM atproto_records WHERE did = $1 AND collection = $2 AND rkey = $3`, Object.values(parseAtUri(uri)!));
    if (kept[0]?.cid) return kept[0].cid;
    return this.o.directory.getRecordCid(uri);
  }

  private async blobs(agent: Agent, urls: string[], commandId: string, upload = uploadImage): Promise<Map<string, BlobJson>> {
    const out = new Map<string, BlobJson>();
    for (const url of urls) {
      try {
        out.set(url, await upload(agent, url, this.o.guard));
      } catch (err) {
        if (err instanceof XRPCError && (err.status === 429 || err.status >= 500)) throw err; // the PDS, not the picture: retry the command
        this.log.warn('media left out', { commandId, url, err: (err as Error).message });
      }
    }
    return out;
  }

  /** A card for the post's first link, from the page's own metadata; none when it cannot be had. */
  private async linkCard(agent: Agent, command: OutboundCommand): Promise<RenderContext['linkCard']> {
    const post = command.event.object!;
    const url = post.facets.find((f) => f.kind === 'link' && f.url && /^https?:\/\//.test(f.url))?.url ?? /https?:\/\/[^\s<>"]+/.exec(post.text)?.[0];
    if (!url) return undefined;
    try {
      const meta = await fetchPageMeta(url, this.o.guard);
      if (!meta?.title && !meta?.description) return undefined;
      const thumb = meta.image ? (await this.blobs(agent, [meta.image], command.id)).get(meta.image) : undefined;
      return { uri: url, title: meta.title ?? '', description: meta.description ?? '', ...(thumb ? { thumb } : {}) };
    } catch (err) {
      if (err instanceof XRPCError) throw err;
      this.log.info('no link card', { commandId: command.id, url, err: (err as Error).message });
      return undefined;
    }
  }

  private async currentProfile(agent: Agent, did: string): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await agent.com.atproto.repo.getRecord({ repo: did, collection: COLLECTION.profile, rkey: PROFILE_RKEY });
      return res.data.value as Record<string, unknown>;
    } catch (err) {
      if (err instanceof XRPCError && err.status === 400) return undefined; // RecordNotFound
      throw err;
    }
  }

  private async write(agent: Agent, did: string, w: RepoWrite): Promise<{ uri: string; cid?: string }> {
    const repo = agent.com.atproto.repo;
    if (w.action === 'delete') {
      await repo.deleteRecord({ repo: did, collection: w.collection, rkey: w.rkey });
      return { uri: atUri(did, w.collection, w.rkey) };
    }
    if (w.action === 'put') {
      const res = await repo.putRecord({ repo: did, collection: w.collection, rkey: w.rkey, record: w.record, validate: true });
      return { uri: res.data.uri, cid: res.data.cid };
    }
    try {
      const res = await repo.createRecord({ repo: did, collection: w.collection, rkey: w.rkey, record: w.record, validate: true });
      return { uri: res.data.uri, cid: res.data.cid };
    } catch (err) {
      // A retry of a write that went through (the rkey is the command's): the record is there.
      // The reference PDS answers a create on an existing key with a bare 500, so any failure but 429 is checked.
      if (err instanceof XRPCError && err.status !== 429) {
        const existing = await repo.getRecord({ repo: did, collection: w.collection, rkey: w.rkey }).catch(() => undefined);
        if (existing?.data.cid) return { uri: existing.data.uri, cid: existing.data.cid };
      }
      throw err;
    }
  }

  private async reserveCopy(objectKey: string, uri: string): Promise<boolean> {
    const rows: unknown[] = await this.o.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'atproto', $2, false) ON CONFLICT (network, native_id) DO NOTHING RETURNING id`,
      [objectKey, uri],
    );
    return rows.length > 0;
  }

  private async recordCopy(objectKey: string, w: RepoWrite, did: string, ref: { uri: string; cid?: string }): Promise<void> {
    const subject = w.action !== 'delete' && typeof w.record.subject === 'string' ? w.record.subject : null;
    // One statement, one round trip: the copy in the object map and the record we keep of it.
    await this.o.ds.query(
      `WITH mapped AS (
         INSERT INTO object_map (object_key, network, native_id, cid, is_original) VALUES ($1, 'atproto', $2, $3, false)
         ON CONFLICT (network, native_id) DO UPDATE SET cid = COALESCE(EXCLUDED.cid, object_map.cid)
       )
       INSERT INTO atproto_records (did, collection, rkey, cid, subject) VALUES ($4, $5, $6, $3, $7) ON CONFLICT (did, collection, rkey) DO UPDATE SET cid = EXCLUDED.cid`,
      [objectKey, ref.uri, ref.cid ?? null, did, w.collection, w.rkey, subject],
    );
  }

  /** A thread part beyond the first: its CID, and the first part's URI as its `subject` (a delete of the thread finds it so). */
  private async recordPart(objectKey: string, i: number, w: RepoWrite, did: string, ref: { uri: string; cid?: string }, headUri: string): Promise<void> {
    await this.o.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, cid, is_original) VALUES ($1, 'atproto', $2, $3, false)
       ON CONFLICT (network, native_id) DO UPDATE SET cid = COALESCE(EXCLUDED.cid, object_map.cid)`,
      [partObjectKey(objectKey, i), ref.uri, ref.cid ?? null],
    );
    await this.o.ds.query(
      `INSERT INTO atproto_records (did, collection, rkey, cid, subject) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (did, collection, rkey) DO UPDATE SET cid = EXCLUDED.cid, subject = EXCLUDED.subject`,
      [did, w.collection, w.rkey, ref.cid ?? null, headUri],
    );
  }

  private async forget(did: string, w: RepoWrite): Promise<void> {
    await this.o.ds.query(`DELETE FROM atproto_records WHERE did = $1 AND collection = $2 AND rkey = $3`, [did, w.collection, w.rkey]);
  }
}

/** Part i of a thread replies to part i-1; the root is the first part, or what the first part itself replies to. */
function chainReply(w: RepoWrite & { action: 'create' }, first: RepoWrite, written: { uri: string; cid?: string }[]): void {
  const prev = written[written.length - 1]!;
  const head = written[0]!;
  if (!prev.cid || !head.cid) throw new DeliveryError('the PDS gave no CID for a thread part (needed for the reply refs)', { kind: 'transient', target: 'atproto' });
  const firstReply = first.action !== 'delete' ? (first.record.reply as { root?: StrongRef } | undefined) : undefined;
  w.record.reply = { root: firstReply?.root ?? { uri: head.uri, cid: head.cid }, parent: { uri: prev.uri, cid: prev.cid } };
  assertValidRecord(w.collection, w.record);
}

/** A stable object key for part i (> 0) of a thread: a UUID from the post's own key. */
export function partObjectKey(objectKey: string, i: number): string {
  const h = createHash('sha256').update(`pontis-thread-part\0${objectKey}\0${i}`).digest('hex');
  // Shaped as a version-8 (custom) UUID, which object_map.object_key requires.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
