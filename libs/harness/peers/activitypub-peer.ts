/**
 * An independent ActivityPub server: our own small app on `@fedify/fedify` 2.3.6 served by
 * `@hono/node-server` on 127.0.0.1. It stands in for "some fediverse server" (Mastodon & co.):
 *
 *  - WebFinger (`acct:name@127.0.0.1:PORT`), Person actors with an RSA key (HTTP Signatures)
 *    and an Ed25519 key (Object Integrity Proofs), followers/following/outbox collections,
 *    dereferenceable Notes;
 *  - personal inboxes and a shared inbox (`/inbox`); Fedify verifies HTTP signatures and answers
 *    401 to unsigned/forged posts; every verified activity is kept in memory (`received()`);
 *  - a Follow for a local user is recorded and auto-accepted (signed Accept sent back);
 *  - `send()` / `follow()` / `createNote()` deliver signed activities to any actor URL.
 *
 * In-memory KV store and in-process queue; `allowPrivateAddress: true` (loopback peers).
 * Fedify's `acct:` lookups always use https, so address local peers by actor URL.
 *
 * Runs as a CHILD PROCESS like the other peers (crash isolation, own RSS, killable); the
 * helpers are IPC calls into the child, where the in-memory state lives. A built-in user
 * `peer` exists from the start so health() can ask WebFinger for a known account.
 */
import { randomUUID } from 'node:crypto';
import { childConfig, isMainModule, PeerChild, runAsChild, type ChildPeer } from '../child.js';
import { fetchT, freePort } from '../util.js';
import { ChildProcessPeer } from './peer.js';

export interface ActivityPubPeerInfo {
  /** http://127.0.0.1:PORT (no trailing slash) */
  baseUrl: string;
  /** host:port part of handles (`name@<domain>`). */
  domain: string;
  sharedInbox: string;
  /** Name of the user that always exists (used by health()). */
  serviceUser: string;
}

export interface ApUser {
  name: string;
  /** Actor URL (`id`). */
  id: string;
  handle: string;
  inbox: string;
  outbox: string;
  followers: string;
  following: string;
  sharedInbox: string;
}

export interface ReceivedActivity {
  /** Local user whose inbox got it, or null for the shared inbox. */
  recipient: string | null;
  id: string | null;
  type: string;
  actor: string | null;
  /** id of the object (or null when there is none / it is anonymous). */
  objectId: string | null;
  /** Expanded-then-compacted JSON-LD of the activity, as Fedify saw it after verification. */
  json: Record<string, unknown>;
  receivedAt: string;
}

export interface FollowerInfo {
  id: string;
  inbox: string;
  sharedInbox: string | null;
}

export class ActivityPubPeer extends ChildProcessPeer<ActivityPubPeerInfo> {
  readonly network = 'activitypub' as const;
  protected readonly child: PeerChild<ActivityPubPeerInfo>;

  constructor(opts: { startTimeoutMs?: number } = {}) {
    super();
    this.child = new PeerChild<ActivityPubPeerInfo>({ name: 'activitypub', moduleUrl: import.meta.url, startTimeoutMs: opts.startTimeoutMs ?? 30_000 });
  }

  /** WebFinger lookup of the built-in user must point at its actor. */
  protected async probe(info: ActivityPubPeerInfo): Promise<boolean> {
    const { baseUrl, domain, serviceUser } = info;
    const res = await fetchT(`${baseUrl}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${serviceUser}@${domain}`)}`);
    if (!res.ok) return false;
    const jrd = (await res.json()) as { links?: { rel?: string; href?: string }[] };
    return !!jrd.links?.some((l) => l.rel === 'self' && l.href === `${baseUrl}/users/${serviceUser}`);
  }

  /** Creates a local actor with fresh RSA + Ed25519 keys. Idempotent per name. `alsoKnownAs`: actor URLs it claims to also be (account moves). */
  createUser(name: string, opts: { displayName?: string; autoAccept?: boolean; alsoKnownAs?: string[] } = {}): Promise<ApUser> {
    return this.child.call<ApUser>('createUser', name, opts);
  }
  /** Verified activities delivered to `user` (personal inbox, plus shared-inbox deliveries addressed to them or from an actor they follow). `'*'` = everything. */
  received(user: string): Promise<ReceivedActivity[]> {
    return this.child.call<ReceivedActivity[]>('received', user);
  }
  /**
   * Everything received from position `from` of the log on (`next` is where the next call starts):
   * a poller reads each activity once instead of the whole log per call.
   */
  receivedSince(from: number): Promise<{ next: number; activities: ReceivedActivity[] }> {
    return this.child.call('receivedSince', from);
  }
  followers(user: string): Promise<FollowerInfo[]> {
    return this.child.call<FollowerInfo[]>('followers', user);
  }
  /** Actors `user` follows, with whether an Accept came back. */
  following(user: string): Promise<{ id: string; accepted: boolean }[]> {
    return this.child.call('following', user);
  }
  /**
   * Signs and delivers an arbitrary activity (AS2 JSON) from a local user to the inbox of the
   * actor at `to` (an actor URL; fetched to find its inbox). `id`, `actor` and `@context` are
   * filled in when missing. Resolves once the remote inbox accepted it (2xx), else rejects.
   */
  send(opts: { from: string; to: string; activity: Record<string, unknown> }): Promise<{ id: string }> {
    return this.child.call<{ id: string }>('send', opts);
  }
  /**
   * GET of any URL signed as a local user (Fedify's authenticated document loader, as Mastodon and
   * co. fetch from servers with authorized fetch). Resolves with the JSON document; rejects with
   * the HTTP status when the server refuses.
   */
  signedGet(from: string, url: string): Promise<Record<string, unknown>> {
    return this.child.call<Record<string, unknown>>('signedGet', from, url);
  }
  /** Follow(from → target actor URL), signed. */
  follow(from: string, target: string): Promise<{ id: string }> {
    return this.child.call<{ id: string }>('follow', from, target);
  }
  /**
   * Create(Note) from a local user, delivered to every actor in `to` (actor URLs) and to the
   * user's followers. Public by default (addressed to as:Public, cc followers).
   */
  createNote(from: string, opts: { content: string; to?: string[]; inReplyTo?: string; public?: boolean }): Promise<{ id: string; noteId: string }> {
    return this.child.call('createNote', from, opts);
  }
}

// --- child half -------------------------------------------------------------------------------

const AS_PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';

interface UserState {
  name: string;
  displayName: string;
  autoAccept: boolean;
  keys: CryptoKeyPair[];
  followers: Map<string, FollowerInfo>;
  following: Map<string, { id: string; accepted: boolean; followId: string }>;
  sent: Record<string, unknown>[];
  notes: Map<string, Record<string, unknown>>;
  alsoKnownAs: string[];
}

async function startInChild(): Promise<ChildPeer<ActivityPubPeerInfo>> {
  const cfg = childConfig<{ port?: number }>();
  const fedify = await import('@fedify/fedify');
  const vocab = await import('@fedify/fedify/vocab');
  const { serve } = await import('@hono/node-server');
  const { createFederation, MemoryKvStore, InProcessMessageQueue, generateCryptoKeyPair } = fedify;
  const { Person, Endpoints, Activity, Follow, Accept, Undo, Note, isActor } = vocab;

  const port = cfg.port ?? (await freePort());
  const domain = `127.0.0.1:${port}`;
  const baseUrl = `http://${domain}`;
  const users = new Map<string, UserState>();
  const received: ReceivedActivity[] = [];

  const federation = createFederation<void>({
    kv: new MemoryKvStore(),
    queue: new InProcessMessageQueue(),
    allowPrivateAddress: true,
  });
  const ctxOut = () => federation.createContext(new URL(baseUrl), undefined);

  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
      const u = users.get(identifier);
      if (!u) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: u.displayName,
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        manuallyApprovesFollowers: !u.autoAccept,
        publicKey: keys[0]?.cryptographicKey ?? null,
        assertionMethods: keys.map((k) => k.multikey),
        aliases: u.alsoKnownAs.map((a) => new URL(a)),
      });
    })
    .setKeyPairsDispatcher((_ctx, identifier) => users.get(identifier)?.keys ?? []);

  federation.setFollowersDispatcher('/users/{identifier}/followers', (_ctx, identifier) => {
    const u = users.get(identifier);
    if (!u) return null;
    return {
      items: [...u.followers.values()].map((f) => ({
        id: new URL(f.id),
        inboxId: new URL(f.inbox),
        endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
      })),
    };
  });
  federation.setFollowingDispatcher('/users/{identifier}/following', (_ctx, identifier) => {
    const u = users.get(identifier);
    return u ? { items: [...u.following.values()].filter((f) => f.accepted).map((f) => new URL(f.id)) } : null;
  });
  federation.setOutboxDispatcher('/users/{identifier}/outbox', async (ctx, identifier) => {
    const u = users.get(identifier);
    if (!u) return null;
    const items = await Promise.all(u.sent.map((json) => Activity.fromJsonLd(json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader })));
    return { items };
  });
  federation.setObjectDispatcher(Note, '/users/{identifier}/notes/{id}', async (ctx, values) => {
    const json = users.get(values.identifier)?.notes.get(values.id);
    return json ? Note.fromJsonLd(json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader }) : null;
  });

  /** Which local users a shared-inbox delivery is for: addressed to them, or from someone they follow. */
  const sharedRecipients = (json: Record<string, unknown>, actor: string | null): string[] => {
    const addressed = new Set<string>();
    for (const key of ['to', 'cc', 'bto', 'bcc', 'audience']) {
      const v = json[key];
      for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) addressed.add(typeof x === 'string' ? x : String((x as { id?: unknown })?.id ?? ''));
    }
    return [...users.values()]
      .filter((u) => addressed.has(`${baseUrl}/users/${u.name}`) || (actor !== null && u.following.has(actor)))
      .map((u) => u.name);
  };

  const record = async (ctx: { recipient: string | null }, activity: InstanceType<typeof Activity>) => {
    const json = (await activity.toJsonLd({ format: 'compact' })) as Record<string, unknown>;
    received.push({
      recipient: ctx.recipient,
      id: activity.id?.href ?? null,
      type: typeof json.type === 'string' ? json.type : activity.constructor.name,
      actor: activity.actorId?.href ?? null,
      objectId: activity.objectId?.href ?? null,
      json,
      receivedAt: new Date().toISOString(),
    });
  };

  federation
    .setInboxListeners('/users/{identifier}/inbox', '/inbox')
    .on(Follow, async (ctx, follow) => {
      await record(ctx, follow);
      const target = follow.objectId ? ctx.parseUri(follow.objectId) : null;
      if (target?.type !== 'actor') return;
      const u = users.get(target.identifier);
      const follower = await follow.getActor(ctx);
      if (!u || !follower?.id || !follower.inboxId) return;
      u.followers.set(follower.id.href, { id: follower.id.href, inbox: follower.inboxId.href, sharedInbox: follower.endpoints?.sharedInbox?.href ?? null });
      if (u.autoAccept) {
        await ctx.sendActivity(
          { identifier: u.name },
          follower,
          new Accept({ id: new URL(`${ctx.getActorUri(u.name).href}/accepts/${randomUUID()}`), actor: ctx.getActorUri(u.name), object: follow }),
          { immediate: true },
        );
      }
    })
    .on(Accept, async (ctx, accept) => {
      await record(ctx, accept);
      const actor = accept.actorId?.href;
      if (!actor) return;
      const followId = accept.objectId?.href;
      for (const u of users.values()) {
        const f = u.following.get(actor);
        if (f && (!followId || followId === f.followId || followId === actor)) f.accepted = true;
      }
    })
    .on(Undo, async (ctx, undo) => {
      await record(ctx, undo);
      const inner = await undo.getObject(ctx);
      if (inner instanceof Follow && undo.actorId && inner.objectId) {
        const target = ctx.parseUri(inner.objectId);
        if (target?.type === 'actor') users.get(target.identifier)?.followers.delete(undo.actorId.href);
      }
    })
    .on(Activity, async (ctx, activity) => {
      await record(ctx, activity);
    })
    .onError((_ctx, err) => {
      process.stderr.write(`activitypub peer inbox error: ${err.message}\n`);
    });

  const createUser = async (name: string, opts: { displayName?: string; autoAccept?: boolean; alsoKnownAs?: string[] } = {}): Promise<ApUser> => {
    if (!/^[a-z0-9_]{1,64}$/i.test(name)) throw new Error(`invalid user name ${name}`);
    if (!users.has(name)) {
      const keys = [await generateCryptoKeyPair('RSASSA-PKCS1-v1_5'), await generateCryptoKeyPair('Ed25519')];
      users.set(name, { name, displayName: opts.displayName ?? name, autoAccept: opts.autoAccept ?? true, keys, followers: new Map(), following: new Map(), sent: [], notes: new Map(), alsoKnownAs: opts.alsoKnownAs ?? [] });
    }
    const id = `${baseUrl}/users/${name}`;
    return { name, id, handle: `${name}@${domain}`, inbox: `${id}/inbox`, outbox: `${id}/outbox`, followers: `${id}/followers`, following: `${id}/following`, sharedInbox: `${baseUrl}/inbox` };
  };

  const userOrThrow = (name: string): UserState => {
    const u = users.get(name);
    if (!u) throw new Error(`no local user ${name}`);
    return u;
  };

  /** Completes, parses, signs and delivers one activity. */
  const deliver = async (from: string, recipients: string[] | 'followers-only', activity: Record<string, unknown>, alsoFollowers: boolean): Promise<{ id: string }> => {
    const u = userOrThrow(from);
    const ctx = ctxOut();
    const actorUrl = ctx.getActorUri(from).href;
    const json: Record<string, unknown> = { '@context': AS_CONTEXT, id: `${actorUrl}/activities/${randomUUID()}`, actor: actorUrl, ...activity };
    const parsed = await Activity.fromJsonLd(json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    if (!parsed.id) throw new Error('activity has no id');
    const targets = [];
    for (const to of recipients === 'followers-only' ? [] : recipients) {
      const actor = await ctx.lookupObject(to);
      if (!isActor(actor)) throw new Error(`${to} is not an actor (lookup gave ${actor ? actor.constructor.name : 'nothing'})`);
      targets.push(actor);
    }
    if (targets.length) await ctx.sendActivity({ identifier: from }, targets, parsed, { immediate: true });
    if (alsoFollowers && u.followers.size) await ctx.sendActivity({ identifier: from }, 'followers', parsed, { immediate: true });
    u.sent.push(json);
    return { id: parsed.id.href };
  };

  const methods = {
    createUser,
    received: (user: string) => {
      if (user === '*') return received;
      return received.filter((r) => r.recipient === user || (r.recipient === null && sharedRecipients(r.json, r.actor).includes(user)));
    },
    receivedSince: (from: number) => ({ next: received.length, activities: received.slice(from) }),
    followers: (user: string) => [...userOrThrow(user).followers.values()],
    following: (user: string) => [...userOrThrow(user).following.values()].map(({ id, accepted }) => ({ id, accepted })),
    send: (opts: { from: string; to: string; activity: Record<string, unknown> }) => deliver(opts.from, [opts.to], opts.activity, false),
    signedGet: async (from: string, url: string) => {
      userOrThrow(from);
      const loader = await ctxOut().getDocumentLoader({ identifier: from });
      return (await loader(url)).document as Record<string, unknown>;
    },
    follow: async (from: string, target: string) => {
      const u = userOrThrow(from);
      const id = `${baseUrl}/users/${from}/follows/${randomUUID()}`;
      u.following.set(target, { id: target, accepted: false, followId: id });
      return deliver(from, [target], { id, type: 'Follow', object: target }, false);
    },
    createNote: async (from: string, opts: { content: string; to?: string[]; inReplyTo?: string; public?: boolean }) => {
      const u = userOrThrow(from);
      const actorUrl = `${baseUrl}/users/${from}`;
      const noteKey = randomUUID();
      const noteId = `${actorUrl}/notes/${noteKey}`;
      const isPublic = opts.public ?? true;
      const to = [...(isPublic ? [AS_PUBLIC] : []), ...(opts.to ?? [])];
      const cc = [`${actorUrl}/followers`];
      const published = new Date().toISOString();
      const note = { '@context': AS_CONTEXT, id: noteId, type: 'Note', attributedTo: actorUrl, content: opts.content, to, cc, published, ...(opts.inReplyTo ? { inReplyTo: opts.inReplyTo } : {}) };
      u.notes.set(noteKey, note);
      const { '@context': _ctx, ...embedded } = note;
      const sent = await deliver(from, opts.to ?? [], { id: `${noteId}/activity`, type: 'Create', object: embedded, to, cc, published }, true);
      return { id: sent.id, noteId };
    },
  };

  await createUser('peer', { displayName: 'ActivityPub peer service user' });

  const server = serve({ fetch: (req: Request) => federation.fetch(req, { contextData: undefined }), port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return {
    info: { baseUrl, domain, sharedInbox: `${baseUrl}/inbox`, serviceUser: 'peer' },
    methods,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

if (isMainModule(import.meta.url)) runAsChild(startInChild);
