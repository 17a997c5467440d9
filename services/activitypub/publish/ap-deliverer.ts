/**
 * deliver() for the outbound runner: the account's actor (provisioned on first use), render with
 * the pure mapper, store what we publish (so our ids dereference: servers fetch objects and
 * actors to check them), record the copy in object_map before sending, then POST the signed
 * activity to every inbox: followers through shared inboxes, addressed actors to their own.
 *
 * Failure rules: a transient failure anywhere → transient (the retry re-sends to all; remote
 * servers drop an activity id they have seen). A follower's inbox answering 410 removes that
 * follower and does not fail the command; a permanent refusal by one of many inboxes is logged.
 * When the only recipient is gone (410) the command is `gone`.
 */
import { DeliveryError, type DeliveryResult } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { DataSource } from 'typeorm';
import type { Apex } from 'activitypub-express';
import type { RemoteFetcher } from '../federation/remote-fetch.js';
import type { BridgedActor, BridgedActors } from '../identity/bridged-actors.js';
import { AS_PUBLIC, isObject, render, rootFromParent, type AsObject, type RenderContext } from '../mapping/index.js';
import type { ApexPostgresStore } from '../store/apex-postgres-store.js';
import { apexForm, inboxOf } from '../store/apex-form.js';
import { Followers } from '../store/followers.js';

const log = createLogger('activitypub-deliverer');

export interface ApDelivererOptions {
  ds: DataSource;
  apex: Apex;
  store: ApexPostgresStore;
  actors: BridgedActors;
  followers: Followers;
  fetcher: RemoteFetcher;
  baseUrl: string;
}

export class ApDeliverer {
  constructor(private readonly o: ApDelivererOptions) {}

  readonly deliver = async (command: OutboundCommand): Promise<DeliveryResult> => {
    if (command.as.mode !== 'bridged')
      throw new DeliveryError("publishing as a person's own fediverse account is not possible (we hold no key of theirs)", { kind: 'permanent', target: 'activitypub', status: 'native-mode' });
    const actor = await this.o.actors.ensure(command.as.accountId, command.event.type === 'profile.updated' ? command.event.profile : {});
    const cmd: OutboundCommand = { ...command, as: { ...command.as, id: actor.id } };
    const ctx = await this.context(cmd, actor);
    const { activity, delivery, copyId, skipped } = render(cmd, ctx);
    if (!activity || !delivery) return { skipped: skipped ?? 'nothing to publish' };
    await this.storePublished(actor.id, activity);
    const recorded = copyId ? await this.recordCopy(command.objectKey, copyId) : false;
    try {
      await this.send(actor.id, activity, delivery);
    } catch (err) {
      if (recorded && err instanceof DeliveryError && err.kind !== 'transient') await this.forgetCopy(command.objectKey, copyId!);
      throw err;
    }
    return { ref: copyId ? { network: 'activitypub', id: copyId } : undefined };
  };

  /** Sends one activity from `fromActorId` to one remote actor document (Accept of a follow). */
  readonly sendTo = async (fromActorId: string, to: AsObject, activity: AsObject): Promise<void> => {
    const inbox = inboxOf(apexForm(to), false);
    if (!inbox) throw new Error(`no inbox for ${String(to.id)}`);
    await this.storePublished(fromActorId, activity);
    const signing = await this.o.actors.signing(fromActorId);
    await this.o.fetcher.postActivity(inbox, JSON.stringify(activity), signing);
  };

  private async context(command: OutboundCommand, actor: BridgedActor): Promise<RenderContext> {
    const ctx: RenderContext = { baseUrl: this.o.baseUrl };
    const type = command.event.type;
    const target = command.refs.target?.id;
    if (target && (type === 'reaction.removed' || type === 'repost.deleted' || type === 'follow.deleted' || type === 'block.deleted')) {
      const stored = await this.o.store.getActivity(target, true);
      const raw = (stored?._meta as { raw?: AsObject } | undefined)?.raw;
      ctx.sentActivity = (id) => (id === target ? raw : undefined);
    }
    if (type === 'profile.updated' && command.event.profile) ctx.actorDocument = await this.o.actors.updateProfile(actor, command.event.profile);
    const ids = Object.values(command.refs).filter((r) => r?.original).map((r) => r!.id);
    const authors = await this.authors(ids);
    ctx.authorOf = (id) => authors.get(id);
    // A reply to one of our copies whose event named no root (a fediverse reply): the copy knows it.
    const parent = command.refs.replyTo?.id;
    if (parent && !command.refs.threadRoot && parent.startsWith(`${this.o.baseUrl}/`)) {
      const root = rootFromParent(parent, await this.o.store.getObject(parent));
      ctx.threadRootOf = (id) => (id === parent ? root : undefined);
    }
    return ctx;
  }

  /** Authors of fediverse originals we point at (replies, likes, boosts, quotes): addressed so they are notified. */
  private async authors(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows: { native_id: string; owner_id: string | null }[] = await this.o.ds.query(
      `SELECT native_id, owner_id FROM object_map WHERE network = 'activitypub' AND native_id = ANY($1) AND owner_network = 'activitypub'`,
      [ids],
    );
    return new Map(rows.filter((r) => r.owner_id).map((r) => [r.native_id, r.owner_id!]));
  }

  /** Our objects and activities must dereference (Mastodon fetches them to verify and to render quotes and replies). */
  private async storePublished(actorId: string, activity: AsObject): Promise<void> {
    const context = activity['@context'];
    const object = activity.object;
    const type = activity.type;
    // Through apex's JSON-LD processing (our context is preloaded): its routes then see `as:Public` and serve the object.
    const toApex = (doc: AsObject) => this.o.apex.fromJSONLD(structuredClone({ '@context': context, ...doc }));
    const apexActivity = await toApex(activity);
    const ours = isObject(object) && typeof object.id === 'string' && object.id.startsWith(this.o.baseUrl) ? object : undefined;
    let stored: AsObject | undefined;
    if (ours && (type === 'Create' || type === 'Update') && ours.type !== 'Person') {
      // The activity's processed form embeds the object processed with the same context: the
      // same result as a pass of its own, which cost as much again (CPU profile, BENCHMARKS.md).
      const embedded = (apexActivity.object as unknown[] | undefined)?.[0];
      const apexObject = isObject(embedded) && embedded.id === ours.id ? embedded : await toApex(ours);
      stored = { ...apexObject, _meta: { raw: { '@context': context, ...ours } } };
    }
    if (ours && type === 'Delete') stored = { ...(await toApex({ id: ours.id, type: 'Tombstone', to: [AS_PUBLIC], deleted: new Date().toISOString() })), _meta: {} };
    await this.o.store.savePublished(stored, { ...apexActivity, _meta: { collection: [`${actorId}/outbox`], raw: activity } });
  }

  private async send(actorId: string, activity: AsObject, delivery: { followers: boolean; actors: string[] }): Promise<void> {
    const signing = await this.o.actors.signing(actorId);
    const body = JSON.stringify(activity);
    const targets = new Map<string, { followers: string[] }>();
    if (delivery.followers) for (const t of await this.o.followers.inboxes(actorId)) targets.set(t.inbox, { followers: t.followers });
    for (const a of delivery.actors) {
      // Our own actors (a follow or mention between two bridged people): nothing to send; the
      // activity is stored and served, and no fediverse server is waiting for it.
      if (isOwn(a, this.o.baseUrl)) continue;
      let doc: AsObject;
      try {
        doc = await this.o.fetcher.getJson(a);
      } catch (err) {
        throw new DeliveryError(`cannot resolve recipient ${a}: ${(err as Error).message}`, { kind: 'transient', target: a, cause: err });
      }
      const inbox = inboxOf(apexForm(doc), false);
      if (inbox && !targets.has(inbox)) targets.set(inbox, { followers: [] });
    }
    if (!targets.size) return; // nobody to tell yet: the object is served, followers fetch it when they come
    let transient: DeliveryError | undefined;
    let gone = 0;
    let refused: DeliveryError | undefined;
    for (const [inbox, t] of targets) {
      try {
        await this.o.fetcher.postActivity(inbox, body, signing);
      } catch (err) {
        const e = err instanceof DeliveryError ? err : new DeliveryError(String(err), { kind: 'transient', target: inbox });
        if (e.kind === 'gone') {
          gone++;
          for (const f of t.followers) await this.o.followers.remove(actorId, f);
          log.info('inbox gone: follower removed', { inbox, followers: t.followers.length });
        } else if (e.kind === 'transient') transient = e;
        else {
          refused = e;
          log.warn('inbox refused the activity', { inbox, activity: activity.id, err: e.describe() });
        }
      }
    }
    if (transient) throw transient;
    if (gone === targets.size) throw new DeliveryError(`every recipient of ${String(activity.id)} is gone`, { kind: 'gone', target: [...targets.keys()].join(' '), status: 410 });
    if (refused && targets.size === 1) throw refused;
  }

  private async recordCopy(objectKey: string, nativeId: string): Promise<boolean> {
    const rows: unknown[] = await this.o.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'activitypub', $2, false) ON CONFLICT (network, native_id) DO NOTHING RETURNING id`,
      [objectKey, nativeId],
    );
    return rows.length > 0;
  }

  private async forgetCopy(objectKey: string, nativeId: string): Promise<void> {
    await this.o.ds.query(`DELETE FROM object_map WHERE network = 'activitypub' AND native_id = $1 AND object_key = $2 AND NOT is_original`, [nativeId, objectKey]);
  }
}

function isOwn(actorId: string, baseUrl: string): boolean {
  try {
    return new URL(actorId).origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}
