/**
 * WebFinger (RFC 7033; `acct:user@domain` and the actor URL as resource), host-meta (RFC 6415,
 * XML and JSON: older servers find WebFinger through it) and NodeInfo 2.1 (via apex).
 */
import type { Request, Response, Router } from 'express';
import type { Apex } from 'activitypub-express';
import { actorUrl } from '../mapping/index.js';
import type { ApexPostgresStore } from '../store/apex-postgres-store.js';

export function parseResource(resource: string, baseUrl: string, domain: string): string | undefined {
  const acct = /^acct:@?([^@\s]{1,128})@([^@\s]{1,255})$/i.exec(resource);
  if (acct) return acct[2]!.toLowerCase() === domain.toLowerCase() ? actorUrl(baseUrl, acct[1]!.toLowerCase()) : undefined;
  if (resource.toLowerCase().startsWith(`${baseUrl.toLowerCase()}/ap/users/`)) {
    const rest = resource.slice(baseUrl.length + '/ap/users/'.length);
    return /^[^/?#]{1,128}$/.test(rest) ? actorUrl(baseUrl, decodeURIComponent(rest).toLowerCase()) : undefined;
  }
  return undefined;
}

export function mountWellKnown(router: Router, o: { apex: Apex; store: ApexPostgresStore; baseUrl: string; domain: string }): void {
  router.get('/.well-known/webfinger', async (req: Request, res: Response) => {
    const resource = typeof req.query.resource === 'string' ? req.query.resource : '';
    const id = parseResource(resource, o.baseUrl, o.domain);
    if (!id) return void res.status(resource ? 404 : 400).json({ error: resource ? `${resource} is not an actor here` : 'resource is required' });
    const actor = await o.store.getObject(id);
    if (!actor || actor.type === 'Tombstone') return void res.status(404).json({ error: `${resource} not found` });
    const username = ((actor.preferredUsername as string[] | undefined) ?? [])[0] ?? id.split('/').pop()!;
    res.type('application/jrd+json').json({
      subject: `acct:${username}@${o.domain}`,
      aliases: [id],
      links: [
        { rel: 'self', type: 'application/activity+json', href: id },
        { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: id },
      ],
    });
  });
  const template = `${o.baseUrl}/.well-known/webfinger?resource={uri}`;
  router.get('/.well-known/host-meta', (_req, res) => {
    res.type('application/xrd+xml').send(`<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${template}"/>\n</XRD>\n`);
  });
  router.get('/.well-known/host-meta.json', (_req, res) => void res.json({ links: [{ rel: 'lrdd', template }] }));
  router.get('/.well-known/nodeinfo', o.apex.net.nodeInfoLocation!.get!);
  router.get('/nodeinfo/:version', o.apex.net.nodeInfo!.get!);
}
