/**
 * Mastodon's AUTHORIZED_FETCH ("secure mode") on our GET routes, when PONTIS_AP_AUTHORIZED_FETCH is on.
 * What Mastodon does (app/controllers/accounts_controller.rb, instance_actors_controller.rb,
 * concerns/signature_verification.rb), and so what we do:
 * - the instance actor stays public: servers fetch it to check the signatures it puts on our own
 *   GETs, and asking them to sign that fetch would be a loop;
 * - an unsigned GET of an actor answers 200 with only `id type preferredUsername inbox publicKey
 *   endpoints` (its `restrict_fields_to`; we keep `outbox` too, as its instance actor does), so a
 *   server can still get the key that verifies that actor's deliveries;
 * - an unsigned GET of anything else (objects, activities, collections) answers 401
 *   (`require_account_signature!`);
 * - a signature that is there but does not verify answers 401 with the reason, for actors too:
 *   a client that tries RFC 9421 first and draft-cavage second (Fedify's "double knocking")
 *   retries on 401, and would take a 200 as the final answer.
 * WebFinger, host-meta and NodeInfo are not behind this (mounted elsewhere): they stay public.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createLogger } from '../../../libs/observability/index.js';
import type { AsObject } from '../mapping/index.js';
import { SignatureError } from './http-signature.js';
import type { InboxVerifier } from './inbox-verifier.js';

const log = createLogger('activitypub-authorized-fetch');

/** The actor properties an unsigned request still gets (Mastodon's restricted actor). */
export const PUBLIC_ACTOR_FIELDS = ['@context', 'id', 'type', 'preferredUsername', 'inbox', 'outbox', 'publicKey', 'endpoints'] as const;

export function restrictActor(doc: AsObject): AsObject {
  return Object.fromEntries(PUBLIC_ACTOR_FIELDS.filter((k) => doc[k] !== undefined).map((k) => [k, doc[k]]));
}

export interface AuthorizedFetchOptions {
  verifier: Pick<InboxVerifier, 'verifyFetch'>;
  baseUrl: string;
  /** Actors anyone may read in full (the instance actor). */
  publicActorIds: ReadonlySet<string>;
  /** The actor's compact document, or undefined when there is no such actor (or none we can restrict). */
  actorDocument: (actorId: string) => Promise<AsObject | undefined>;
}

function hasSignature(req: Request): boolean {
  return req.headers.signature !== undefined || /^signature /i.test(req.headers.authorization ?? '');
}

/** Middleware per route kind: put it in front of apex's GET handler. */
export function authorizedFetch(o: AuthorizedFetchOptions): (kind: 'actor' | 'resource') => RequestHandler {
  const verify = async (req: Request): Promise<string | undefined> => {
    try {
      const key = await o.verifier.verifyFetch({ method: req.method, path: req.originalUrl, headers: req.headers as Record<string, string> });
      return key.owner;
    } catch (err) {
      if (err instanceof SignatureError) return void log.info('signed GET refused', { path: req.originalUrl, reason: err.message });
      throw err;
    }
  };
  return (kind) => (req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      // Caches must keep signed and unsigned answers apart.
      res.vary('Signature');
      const actorId = kind === 'actor' ? `${o.baseUrl}/ap/users/${String(req.params.actor).toLowerCase()}` : undefined;
      if (actorId && o.publicActorIds.has(actorId)) return next();
      const signed = hasSignature(req);
      if (signed && (await verify(req))) return next();
      if (signed) return void res.status(401).json({ error: 'the HTTP signature of this GET does not verify (authorized fetch)' });
      if (!actorId) return void res.status(401).json({ error: 'this server requires signed GETs (authorized fetch)' });
      const doc = await o.actorDocument(actorId);
      if (!doc) return void res.status(404).json({ error: 'no such actor' });
      res.type('application/activity+json').json(restrictActor(doc));
    })().catch(next);
  };
}
