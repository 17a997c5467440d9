/**
 * The ActivityPub adapter without Nest (the module wraps it; integration tests run it on a bare
 * Express app): activitypub-express on the Postgres store, its GET routes for actors, objects,
 * activities and collections, WebFinger/host-meta/NodeInfo, our verified inboxes, and the
 * outbound runner delivering bridge.outbound.activitypub.v1.
 */
import { createPrivateKey } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Apex } from 'activitypub-express';
import type { DataSource } from 'typeorm';
import { OutboundRunner } from '../../libs/adapter/index.js';
import { backfillAfterLink, BackfillRunner, linkBackfillCount } from '../../libs/backfill/index.js';
import type { Bus } from '../../libs/bus/index.js';
import type { OutboundCommand } from '../../libs/events/index.js';
import { TokenBuckets, type BucketPolicy } from '../../libs/collections/index.js';
import { AddressGuard } from '../../libs/net/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { ACCOUNT_TOKEN_HEADER, issueAccountToken, KeyStore, readAccountToken, type SecretBox } from '../../libs/store/index.js';
import { createApex, ROUTES, SHARED_INBOX_PATH } from './apex/apex-instance.js';
import { authorizedFetch } from './federation/authorized-fetch.js';
import { InboxVerifier } from './federation/inbox-verifier.js';
import { KeyResolver } from './federation/key-resolver.js';
import { ActivityPubBackfillSource } from './backfill/index.js';
import { RemoteFetcher, type Signer } from './federation/remote-fetch.js';
import { BridgedActors } from './identity/bridged-actors.js';
import { mountWellKnown } from './identity/well-known.js';
import { inboxHandler } from './inbox/inbox-handler.js';
import { activityUrl, actorUrl, AS_CONTEXT, type ControlSignal } from './mapping/index.js';
import { botProfileText, DEFAULT_OPT_OUT_TAG } from '../../libs/consent/index.js';
import { DEFAULT_AP_INBOX_RATE_LIMIT } from '../../libs/config/index.js';
import { FediverseLinks, optInHandlers } from './identity/opt-in.js';
import { applyMove } from './identity/account-move.js';
import { LinkProof, LinkProofError } from './identity/link-proof.js';
import { ReportForwarder } from './moderation/report-forward.js';
import { ApDeliverer } from './publish/ap-deliverer.js';
import { ApexPostgresStore } from './store/apex-postgres-store.js';
import { Followers } from './store/followers.js';

const log = createLogger('activitypub');

/** The bridge's own actor: signs GETs (authorized fetch) and is nobody's proxy. */
export const INSTANCE_USERNAME = 'pontis';

/** Linking a fediverse account by a code (identity/link-proof.ts): ask for the code, then for the check. */
export const LINK_CODE_PATH = '/api/v1/activitypub/link/code';
export const LINK_PATH = '/api/v1/activitypub/link';

const bodyActor = (req: Request): unknown => (req.body as { actor?: unknown } | undefined)?.actor;

/** JSON answer of a link route; a LinkProofError becomes its status with the platform's error shape. */
function linkRoute(run: (req: Request) => Promise<unknown>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      res.status(200).json(await run(req));
    } catch (err) {
      if (!(err instanceof LinkProofError)) throw err;
      const error = { 400: 'Bad Request', 401: 'Unauthorized', 409: 'Conflict', 422: 'Unprocessable Entity', 502: 'Bad Gateway' }[err.status];
      res.status(err.status).json({ statusCode: err.status, error, message: err.message });
    }
  };
}

export interface ActivityPubServiceOptions {
  ds: DataSource;
  box: SecretBox;
  bus: Bus;
  baseUrl: string;
  allowPrivateAddresses: boolean;
  signatureWindowMs?: number;
  fetchTimeoutMs?: number;
  maxFetchBytes?: number;
  /** Mastodon's AUTHORIZED_FETCH on our GETs (federation/authorized-fetch.ts). Default off. */
  authorizedFetch?: boolean;
  partitions?: number;
  version?: string;
  /** The first of PONTIS_OPT_OUT_TAGS, named in the bot's answers. */
  optOutTag?: string;
  /** Accept/Reject of our follows, Move: the identity linking code listens here. */
  onControl?: (signal: ControlSignal) => Promise<void>;
  /** Inbox deliveries per verified actor (a flood from one actor gets 429); default 300 a minute, 100 at once. */
  inboxRateLimit?: BucketPolicy;
}

export class ActivityPubService {
  readonly store: ApexPostgresStore;
  readonly followers: Followers;
  readonly fetcher: RemoteFetcher;
  readonly domain: string;
  apex!: Apex;
  actors!: BridgedActors;
  deliverer!: ApDeliverer;
  private runner?: OutboundRunner;
  private backfill?: BackfillRunner;
  private instanceSigner?: Signer;

  constructor(private readonly o: ActivityPubServiceOptions) {
    this.store = new ApexPostgresStore(o.ds, o.box);
    this.followers = new Followers(this.store);
    this.domain = new URL(o.baseUrl).host;
    this.fetcher = new RemoteFetcher({
      guard: new AddressGuard({ allowPrivate: o.allowPrivateAddresses, network: 'activitypub' }),
      signer: async () => this.instanceSigner,
      timeoutMs: o.fetchTimeoutMs,
      maxBytes: o.maxFetchBytes,
    });
  }

  async init(): Promise<void> {
    this.apex = await createApex({ baseUrl: this.o.baseUrl, store: this.store, version: this.o.version ?? '0.1.0' });
    this.actors = new BridgedActors({ ds: this.o.ds, store: this.store, apex: this.apex, baseUrl: this.o.baseUrl, domain: this.domain });
    this.deliverer = new ApDeliverer({ ds: this.o.ds, apex: this.apex, store: this.store, actors: this.actors, followers: this.followers, fetcher: this.fetcher, baseUrl: this.o.baseUrl });
    this.instanceSigner = await this.instanceActor();
  }

  /** Everything served over HTTP, as one Express router mounted at the root. */
  router(): Router {
    const r = express.Router();
    const apex = this.apex;
    r.use(apex);
    mountWellKnown(r, { apex, store: this.store, baseUrl: this.o.baseUrl, domain: this.domain });
    const verifier = new InboxVerifier({ keys: new KeyResolver(this.fetcher), windowMs: this.o.signatureWindowMs });
    const instanceActorId = actorUrl(this.o.baseUrl, INSTANCE_USERNAME);
    const followBack = async (person: Record<string, unknown>) => {
      const follow = { '@context': AS_CONTEXT, id: activityUrl(this.o.baseUrl, `follow-back:${String(person.id)}`), type: 'Follow', actor: instanceActorId, object: person.id, to: [person.id] };
      await this.deliverer.sendTo(instanceActorId, person, follow);
    };
    const links = new FediverseLinks(this.o.ds);
    const sendDirect = async (person: Record<string, unknown>, text: string, inReplyTo: string) => {
      const id = activityUrl(this.o.baseUrl, `bot-reply:${inReplyTo}`);
      const handle = typeof person.preferredUsername === 'string' ? `@${person.preferredUsername}@${new URL(String(person.id)).host}` : String(person.id);
      const note = {
        id: `${id}/note`,
        type: 'Note',
        attributedTo: instanceActorId,
        inReplyTo,
        content: `<p><span class="h-card"><a href="${escapeHtml(String(person.id))}" class="u-url mention">${escapeHtml(handle)}</a></span> ${escapeHtml(text)}</p>`,
        tag: [{ type: 'Mention', href: person.id, name: handle }],
        to: [person.id],
        published: new Date().toISOString(),
      };
      await this.deliverer.sendTo(instanceActorId, person, { '@context': AS_CONTEXT, id, type: 'Create', actor: instanceActorId, object: note, to: [person.id] });
    };
    const optIn = optInHandlers({ ds: this.o.ds, bus: this.o.bus, instanceActorId, followBack, sendDirect, publicUrl: this.o.baseUrl, optOutTag: this.o.optOutTag ?? DEFAULT_OPT_OUT_TAG });
    const inbox = inboxHandler({
      verifier,
      limit: new TokenBuckets(this.o.inboxRateLimit ?? DEFAULT_AP_INBOX_RATE_LIMIT),
      store: this.store,
      followers: this.followers,
      fetcher: this.fetcher,
      bus: this.o.bus,
      baseUrl: this.o.baseUrl,
      reply: this.deliverer.sendTo,
      onControl: async (signal) => {
        if (signal.kind === 'move' && signal.object[0]) {
          const result = await applyMove({ ds: this.o.ds, from: signal.actor, to: signal.object[0], fetchActor: (id) => this.fetcher.getJson(id), followNew: followBack });
          if (!result.moved) log.info('move not applied', { from: signal.actor, to: signal.object[0], reason: result.reason });
        }
        await this.o.onControl?.(signal);
      },
      instanceActorId,
      optIn,
    });
    const wrap = (h: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => void h(req, res).catch(next);
    const proof = new LinkProof({
      keys: new KeyStore(this.o.ds, this.o.box),
      getJson: (url) => this.fetcher.getJson(url),
      link: (actorId, handle, intoAccount) => links.link(actorId, handle, intoAccount),
      followBack,
      isOwn: (id) => id.startsWith(`${new URL(this.o.baseUrl).origin}/ap/`),
    });
    r.post(LINK_CODE_PATH, wrap(linkRoute((req) => proof.issue(bodyActor(req)))));
    r.post(
      LINK_PATH,
      wrap(
        linkRoute(async (req) => {
          const into = readAccountToken(this.o.box, req.get(ACCOUNT_TOKEN_HEADER));
          if (!into.ok) throw new LinkProofError(into.reason, 401);
          // Optional {backfill: N}: mirror the last N posts of the outbox too (libs/backfill).
          const backfill = linkBackfillCount((req.body as { backfill?: unknown } | undefined)?.backfill);
          if (!backfill.ok) throw new LinkProofError(backfill.reason, 400);
          const linked = await proof.verify(bodyActor(req), into.accountId);
          const job = await backfillAfterLink(this.o.ds, linked.accountId, 'activitypub', backfill.count);
          return { ...linked, accountToken: issueAccountToken(this.o.box, linked.accountId), ...(job ? { backfill: job } : {}) };
        }),
      ),
    );
    r.post(ROUTES.inbox, wrap(inbox));
    r.post(SHARED_INBOX_PATH, wrap(inbox));
    const guard = this.o.authorizedFetch
      ? authorizedFetch({ verifier, baseUrl: this.o.baseUrl, publicActorIds: new Set([instanceActorId]), actorDocument: (id) => this.actors.compactDocument(id) })
      : () => (_req: Request, _res: Response, next: NextFunction) => next();
    r.get(ROUTES.actor, guard('actor'), apex.net.actor!.get!);
    r.get(ROUTES.object, guard('resource'), apex.net.object!.get!);
    r.get(ROUTES.activity, guard('resource'), apex.net.activityStream!.get!);
    r.get(ROUTES.outbox, guard('resource'), apex.net.outbox!.get!);
    r.get(ROUTES.followers, guard('resource'), apex.net.followers!.get!);
    r.get(ROUTES.following, guard('resource'), apex.net.following!.get!);
    r.get(ROUTES.liked, guard('resource'), apex.net.liked!.get!);
    r.get(ROUTES.collections, guard('resource'), apex.net.collections!.get!);
    r.get(ROUTES.shares, guard('resource'), apex.net.shares!.get!);
    r.get(ROUTES.likes, guard('resource'), apex.net.likes!.get!);
    return r;
  }

  async start(): Promise<void> {
    // A report made elsewhere about a fediverse person is forwarded to their server (the translator records it).
    const reports = new ReportForwarder({ fetcher: this.fetcher, baseUrl: this.o.baseUrl, instanceActorId: actorUrl(this.o.baseUrl, INSTANCE_USERNAME), signer: () => this.instanceSigner });
    const deliver = (c: OutboundCommand) => (c.event.type === 'report.created' ? reports.deliver(c) : this.deliverer.deliver(c));
    this.runner = new OutboundRunner({ bus: this.o.bus, ds: this.o.ds, network: 'activitypub', deliver, partitions: this.o.partitions });
    await this.runner.start();
    const source = new ActivityPubBackfillSource({ fetcher: this.fetcher, ownOrigins: [new URL(this.o.baseUrl).origin] });
    this.backfill = new BackfillRunner({ ds: this.o.ds, bus: this.o.bus, source });
    this.backfill.start();
    log.info('ActivityPub adapter started', { baseUrl: this.o.baseUrl });
  }

  async stop(): Promise<void> {
    await this.backfill?.stop();
    await this.runner?.stop();
  }

  private async instanceActor(): Promise<Signer> {
    const id = actorUrl(this.o.baseUrl, INSTANCE_USERNAME);
    let stored = await this.store.getObject(id, true);
    if (!stored) {
      const created = await this.apex.createActor(INSTANCE_USERNAME, 'Pontis bridge', botProfileText({ publicUrl: this.o.baseUrl, tag: this.o.optOutTag ?? DEFAULT_OPT_OUT_TAG, follow: 'Follow', block: 'Block' }), undefined, 'Application');
      await this.store.saveObject(created);
      stored = await this.store.getObject(id, true);
    }
    const privateKeyPem = (stored!._meta as { privateKey: string }).privateKey;
    return { keyId: `${id}#main-key`, privateKeyPem, privateKey: createPrivateKey(privateKeyPem) };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
