/**
 * The activitypub-express instance: its routes under `/ap`, its store on Postgres, its JSON-LD
 * processing fed only from preloaded contexts. apex's own delivery queue is off (`offlineMode`):
 * deliveries go through the OutboundRunner (retries, parking, 410 handling, the ledger), and
 * apex never fetches anything (its `requestObject` is replaced by the guarded fetcher).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ActivitypubExpress, { type Apex } from 'activitypub-express';
import { createLogger } from '../../../libs/observability/index.js';
import { AP_PREFIX, EXTRA_CONTEXT } from '../mapping/index.js';
import type { ApexPostgresStore } from '../store/apex-postgres-store.js';

const log = createLogger('activitypub');

export const ROUTES = {
  actor: `${AP_PREFIX}/users/:actor`,
  object: `${AP_PREFIX}/objects/:id`,
  activity: `${AP_PREFIX}/activities/:id`,
  inbox: `${AP_PREFIX}/users/:actor/inbox`,
  outbox: `${AP_PREFIX}/users/:actor/outbox`,
  followers: `${AP_PREFIX}/users/:actor/followers`,
  following: `${AP_PREFIX}/users/:actor/following`,
  liked: `${AP_PREFIX}/users/:actor/liked`,
  collections: `${AP_PREFIX}/users/:actor/c/:id`,
  blocked: `${AP_PREFIX}/users/:actor/blocked`,
  rejections: `${AP_PREFIX}/users/:actor/rejections`,
  rejected: `${AP_PREFIX}/users/:actor/rejected`,
  shares: `${AP_PREFIX}/activities/:id/shares`,
  likes: `${AP_PREFIX}/activities/:id/likes`,
} as const;

export const SHARED_INBOX_PATH = `${AP_PREFIX}/inbox`;

const apexDir = dirname(createRequire(import.meta.url).resolve('activitypub-express'));

/**
 * Contexts the bridge knows without the network: ActivityStreams and security v1 (apex's bundled
 * copies). Anything else (a server's own `litepub-0.1.jsonld`, …) resolves to an empty context:
 * the adapter maps incoming activities from their compact JSON, so unknown terms only mean apex
 * stores fewer properties, never a fetch (nothing is fetched from the web at run time).
 */
export const PRELOADED_CONTEXTS: Record<string, unknown> = {
  'https://www.w3.org/ns/activitystreams': JSON.parse(readFileSync(join(apexDir, 'vocab/as.json'), 'utf8')),
  'https://w3id.org/security/v1': JSON.parse(readFileSync(join(apexDir, 'vocab/security.json'), 'utf8')),
};

export interface ApexOptions {
  baseUrl: string;
  store: ApexPostgresStore;
  version: string;
}

export async function createApex(o: ApexOptions): Promise<Apex> {
  const apex = ActivitypubExpress({
    // NodeInfo 2.1 wants software.name to match ^[a-z0-9-]+$.
    name: 'pontis',
    version: o.version,
    baseUrl: o.baseUrl,
    actorParam: 'actor',
    objectParam: 'id',
    activityParam: 'id',
    routes: { ...ROUTES },
    endpoints: { sharedInbox: `${o.baseUrl}${SHARED_INBOX_PATH}` },
    context: EXTRA_CONTEXT,
    store: o.store,
    offlineMode: true,
    logger: { info: (...a) => log.debug(a.map(String).join(' ')), warn: (...a) => log.warn(a.map(String).join(' ')), error: (...a) => log.error(a.map(String).join(' ')) },
    nodeInfoMetadata: { nodeName: 'Pontis bridge' },
  });
  for (const [documentUrl, document] of Object.entries(PRELOADED_CONTEXTS)) await o.store.saveContext({ contextUrl: null, documentUrl, document });
  apex.jsonldContextLoader = async (url: string) => {
    const pre = PRELOADED_CONTEXTS[url];
    if (pre) return { contextUrl: null, documentUrl: url, document: pre };
    const stored = await o.store.getContext(url);
    if (stored) return stored as { contextUrl: string | null; documentUrl: string; document: unknown };
    log.debug('unknown JSON-LD context left empty (never fetched)', { url });
    return { contextUrl: null, documentUrl: url, document: { '@context': {} } };
  };
  // apex's two HTTP clients (pub/federation.js, `request` 2.88 with its own DNS lookups and
  // redirects, and only a NODE_ENV=production "localhost" prefix test) are never used: every
  // caller reads them off the instance at call time, so replacing them here closes every path.
  // apex fetches when it resolves unknown objects (inbox validators, signature keys, references);
  // the adapter resolves them itself, through the pinned RemoteFetcher.
  apex.requestObject = async () => null;
  // offlineMode already stops apex's queue (startDelivery); this makes a slip loud instead of an unguarded POST.
  apex.deliver = async () => {
    throw new Error('apex does not deliver here: the OutboundRunner does (guarded, signed, with a ledger)');
  };
  return apex;
}
