/**
 * POST to a bridged actor's inbox or the shared inbox. Nothing is processed before the sender is
 * proven (signature, Digest, Date window, replay, key owner = actor). Then, in order: a repeat
 * delivery of an activity already handled is acknowledged and dropped; an unembedded object is
 * fetched (guarded) so the mapper sees it; follows of our actors are recorded and accepted; the
 * normalized events are published to bridge.events.v1 (keyed by the actor) before the answer,
 * so a 202 means "durably taken".
 */
import type { Request, Response } from 'express';
import type { Bus } from '../../../libs/bus/index.js';
import type { TokenBuckets } from '../../../libs/collections/index.js';
import { TOPICS } from '../../../libs/events/index.js';
import { createLogger, rejectInput } from '../../../libs/observability/index.js';
import { SignatureError } from '../federation/http-signature.js';
import type { InboxVerifier, VerifiedSender } from '../federation/inbox-verifier.js';
import type { RemoteFetcher } from '../federation/remote-fetch.js';
import { asArray, hasType, idOf, isObject, rootFromParent, toEvents, typesOf, type AsObject, type ControlSignal } from '../mapping/index.js';
import type { ApexPostgresStore } from '../store/apex-postgres-store.js';
import { apexForm } from '../store/apex-form.js';
import { refusalOf } from './refusal-of.js';
import { Followers } from '../store/followers.js';

const log = createLogger('activitypub-inbox');

export interface InboxDeps {
  verifier: InboxVerifier;
  store: ApexPostgresStore;
  followers: Followers;
  fetcher: Pick<RemoteFetcher, 'getJson'>;
  bus: Bus;
  baseUrl: string;
  /** Sends an activity from one of our actors to one remote actor (Accept of a follow). */
  reply: (fromActorId: string, to: AsObject, activity: AsObject) => Promise<void>;
  /** Accept/Reject of our own follows, Move. */
  onControl?: (signal: ControlSignal) => Promise<void>;
  /** The bridge's own actor: following it is how a person links their fediverse account. */
  instanceActorId?: string;
  /** The bridge's bot (identity/opt-in.ts): follow, unfollow, block and direct messages to the instance actor. */
  optIn?: {
    followed(person: AsObject, handle: string | undefined): Promise<void>;
    unfollowed(actorId: string): Promise<void>;
    blocked?(actorId: string): Promise<void>;
    messaged?(person: AsObject, handle: string | undefined, note: AsObject): Promise<void>;
  };
  /** Per verified actor: a flood from one actor gets 429 and leaves everyone else's deliveries alone. */
  limit?: Pick<TokenBuckets, 'take'>;
}

function send(res: Response, status: number, message?: string): void {
  res.status(status).json(message ? { error: message } : {});
}

export function inboxHandler(d: InboxDeps) {
  const origin = new URL(d.baseUrl).origin;
  return async (req: Request, res: Response): Promise<void> => {
    const raw = (req as Request & { rawBody?: Buffer }).rawBody;
    const activity = req.body as unknown;
    if (!raw || !isObject(activity)) return send(res, 415, 'expected an ActivityStreams JSON body');
    // Personal inbox: the actor must be ours.
    let recipient: string | null = null;
    if (req.params.actor) {
      recipient = `${d.baseUrl}/ap/users/${String(req.params.actor).toLowerCase()}`;
      const local = await d.store.getObject(recipient);
      if (!local) return send(res, 404, 'no such actor');
    }
    let sender: VerifiedSender;
    try {
      sender = await d.verifier.verify({ method: req.method, path: req.originalUrl, headers: req.headers as Record<string, string>, body: raw }, activity);
    } catch (err) {
      if (err instanceof SignatureError) {
        rejectInput('activitypub', err.reason);
        log.info('inbox request refused', { reason: err.message, code: err.reason, actor: idOf(activity.actor) });
        return send(res, err.status, err.message);
      }
      throw err;
    }
    // After verification, so a forger cannot spend someone else's allowance.
    const allowance = d.limit?.take(sender.actorId, Date.now());
    if (allowance && !allowance.allowed) {
      rejectInput('activitypub', 'rate_limited');
      d.verifier.forget(sender);
      const seconds = Math.ceil(allowance.retryAfterMs / 1000);
      res.setHeader('Retry-After', String(seconds));
      return send(res, 429, `too many activities from ${sender.actorId}; retry in ${seconds} s`);
    }
    try {
      const id = idOf(activity.id);
      if (!id) return send(res, 400, 'activity without an id');
      const inboxCollection = recipient ? `${recipient}/inbox` : `${d.baseUrl}/ap/inbox`;
      const fresh = await d.store.saveActivity({ ...apexForm(activity), _meta: { collection: [inboxCollection], raw: activity } });
      if (!fresh) {
        // Same activity again (a retry, or the personal and the shared inbox): handled once.
        await d.store.updateActivityMeta(activity, 'collection', inboxCollection).catch(() => undefined);
        return send(res, 202);
      }
      const complete = await embed(d, activity);
      await sideEffects(d, complete, sender, origin);
      const result = toEvents(complete, { ownOrigins: [origin], receivedAt: new Date().toISOString(), handleOf: handleFrom(sender), threadRootOf: await parentRoot(d, complete, origin) });
      const refused = refusalOf(result.ignored);
      if (refused) {
        rejectInput('activitypub', refused);
        log.info('inbox activity refused', { id, reason: result.ignored });
      }
      if (result.control) await d.onControl?.(result.control);
      if (result.events.length) await d.bus.publish(TOPICS.events, result.events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
      log.debug('inbox activity', { id, type: typesOf(activity)[0], events: result.events.map((e) => e.id), ignored: result.ignored });
      send(res, 202);
    } catch (err) {
      log.warn('inbox activity failed', { id: activity.id, err: (err as Error).message });
      // Forget it so the sender's retry is processed again.
      await d.store.removeActivity({ id: activity.id }, String(idOf(activity.actor))).catch(() => undefined);
      send(res, 503, 'temporarily unable to process the activity');
    }
  };
}

function handleFrom(sender: VerifiedSender) {
  return (actorId: string) => {
    const doc = sender.key.actor;
    if (!doc || doc.id !== actorId || typeof doc.preferredUsername !== 'string') return undefined;
    return `@${doc.preferredUsername}@${new URL(actorId).host}`;
  };
}

/** A reply to one of our copies: its thread root, which the stored copy knows (Mastodon sends only inReplyTo). */
async function parentRoot(d: InboxDeps, activity: AsObject, origin: string): Promise<((parentId: string) => string | undefined) | undefined> {
  const parent = isObject(activity.object) ? idOf(asArray(activity.object.inReplyTo)[0]) : undefined;
  if (!parent?.startsWith(`${origin}/`)) return undefined;
  const root = rootFromParent(parent, await d.store.getObject(parent));
  return (id) => (id === parent ? root : undefined);
}

/** Create/Update with an object by reference: fetch it. Undo by reference: our stored copy of what is undone. */
async function embed(d: InboxDeps, activity: AsObject): Promise<AsObject> {
  const type = typesOf(activity)[0];
  const objectId = typeof activity.object === 'string' ? activity.object : undefined;
  if (!objectId) return activity;
  if (type === 'Create' || type === 'Update') {
    const object = await d.fetcher.getJson(objectId);
    if (object.id !== objectId) throw new Error(`fetched ${objectId} but got ${String(object.id)}`);
    return { ...activity, object };
  }
  if (type === 'Undo') {
    const stored = await d.store.getActivity(objectId, true);
    const raw = (stored?._meta as { raw?: AsObject } | undefined)?.raw;
    return raw ? { ...activity, object: raw } : activity;
  }
  return activity;
}

async function sideEffects(d: InboxDeps, activity: AsObject, sender: VerifiedSender, origin: string): Promise<void> {
  const type = typesOf(activity)[0];
  const objectId = idOf(activity.object);
  const ours = (id: string | undefined): id is string => !!id && id.startsWith(`${origin}/ap/users/`);
  if (type === 'Follow' && ours(objectId)) {
    const local = await d.store.getObject(objectId);
    if (!local) return;
    const follower = sender.key.actor ?? (await d.fetcher.getJson(sender.actorId));
    await d.followers.add(objectId, activity, follower);
    const accept = { '@context': 'https://www.w3.org/ns/activitystreams', id: `${objectId}#accepts/${encodeURIComponent(String(activity.id))}`, type: 'Accept', actor: objectId, object: activity, to: [sender.actorId] };
    // After the answer: the follower's server may be the one waiting on this request.
    const handle = typeof follower.preferredUsername === 'string' ? `@${follower.preferredUsername}@${new URL(sender.actorId).host}` : undefined;
    setImmediate(() => {
      void (async () => {
        await d.reply(objectId, follower, accept);
        if (objectId === d.instanceActorId) await d.optIn?.followed(follower, handle);
      })().catch((err: Error) => log.warn('answering a follow failed', { follow: activity.id, err: err.message }));
    });
  }
  if (type === 'Accept' && isObject(activity.object) && hasType(activity.object, 'Follow') && ours(idOf(activity.object.actor))) {
    // Our follow was accepted: their posts will come; recorded where apex keeps `following`.
    const follower = idOf(activity.object.actor)!;
    const followId = idOf(activity.object);
    if (followId) await d.store.updateActivityMeta({ id: followId }, 'collection', `${follower}/following`).catch(() => undefined);
  }
  if (type === 'Undo' && isObject(activity.object) && hasType(activity.object, 'Follow')) {
    const target = idOf(activity.object.object);
    if (ours(target)) await d.followers.remove(target, sender.actorId);
    if (target && target === d.instanceActorId) await d.optIn?.unfollowed(sender.actorId);
  }
  if (type === 'Block' && d.instanceActorId && objectId === d.instanceActorId) await d.optIn?.blocked?.(sender.actorId);
  if (type === 'Create' && d.instanceActorId && isObject(activity.object) && idOf(activity.object.attributedTo ?? activity.actor) === sender.actorId && directTo(activity.object, d.instanceActorId)) {
    const note = activity.object;
    const person = sender.key.actor ?? (await d.fetcher.getJson(sender.actorId));
    const handle = typeof person.preferredUsername === 'string' ? `@${person.preferredUsername}@${new URL(sender.actorId).host}` : undefined;
    // After the answer, like a follow: the reply goes to the server that is waiting on this request.
    setImmediate(() => void d.optIn?.messaged?.(person, handle, note).catch((err: Error) => log.warn('answering a message to the bot failed', { note: note.id, err: err.message })));
  }
}

const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public']);

/**
 * A message to `actorId`: addressed to it and not public. A followers-only post that names the
 * bot in `to` counts too (some servers add the followers collection to every non-public post).
 */
function directTo(object: AsObject, actorId: string): boolean {
  const ids = (k: string) => {
    const v = object[k];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => idOf(x) ?? (typeof x === 'string' ? x : undefined)).filter((x): x is string => !!x);
  };
  const audience = ['to', 'cc', 'bto', 'bcc', 'audience'].flatMap(ids);
  return [...ids('to'), ...ids('bto')].includes(actorId) && !audience.some((a) => PUBLIC.has(a));
}
