/**
 * The deployment's picture of Pontis, one definition for the compose file's and the manifests'
 * tests: which services run as their own container, and which public paths go to which of them.
 * The compose file, the nginx config and the Ingress are written by hand; the tests hold them to
 * this table.
 */

/** Every service deployed on its own (libs/config SERVICE_NAMES must be a subset: a new service needs manifests). */
export const DEPLOYED_SERVICES = ['gateway', 'translator', 'activitypub', 'atproto', 'nostr', 'solid', 'nostr-relay'] as const;
export type DeployedService = (typeof DEPLOYED_SERVICES)[number];

/** Services that keep state on their own disk: one replica, a volume at /data. */
export const STATEFUL_SERVICES: readonly DeployedService[] = ['nostr-relay'];

/** Protocol adapters: scaled by the partitions of their outbound topic. */
export const ADAPTERS: readonly DeployedService[] = ['activitypub', 'atproto', 'nostr', 'solid'];

/**
 * The prefix of each service's own settings. A setting with the prefix of a service this build
 * does not have yet (libs/config SERVICE_NAMES lacks it) cannot be checked against libs/config:
 * the deployment files may name it ahead of the merge; once the service is in, the check is strict.
 */
export const SETTING_PREFIXES: Partial<Record<DeployedService, string>> = {
  'nostr-relay': 'PONTIS_NOSTR_RELAY_',
  activitypub: 'PONTIS_AP_',
  atproto: 'PONTIS_ATPROTO_',
  nostr: 'PONTIS_NOSTR_',
  solid: 'PONTIS_SOLID_',
};

/**
 * Settings of a service that exists, added on another branch that lands with this one (the
 * gateway's rate limit and proxy hops). Tolerated while libs/config does not read them; once it
 * does, this list changes nothing and can go.
 */
export const LANDING_SETTINGS: ReadonlySet<string> = new Set(['PONTIS_RATE_LIMIT_PER_MINUTE', 'PONTIS_RATE_LIMIT_BURST', 'PONTIS_TRUSTED_PROXY_HOPS']);

/** Why a setting a deployment file passes is acceptable, or null when it is not (a typo, a stale name). */
export function settingProblem(key: string, configKeys: ReadonlySet<string>, builtServices: readonly string[]): string | null {
  if (configKeys.has(key) || LANDING_SETTINGS.has(key)) return null;
  // The longest prefix names the owner: PONTIS_NOSTR_RELAY_ is the relay's, PONTIS_NOSTR_ the adapter's.
  const owner = (Object.entries(SETTING_PREFIXES) as Array<[DeployedService, string]>)
    .filter(([, prefix]) => key.startsWith(prefix))
    .sort(([, a], [, b]) => b.length - a.length)[0]?.[0];
  if (owner && !builtServices.includes(owner)) return null;
  return `${key} is not a setting libs/config reads`;
}

/** Where a public path goes: a Pontis service, or the Bluesky PDS the bridge operates. */
export type Backend = DeployedService | 'pds';

export interface Route {
  path: string;
  /** exact: only this path; prefix: this path and everything under it (by path segment). */
  match: 'exact' | 'prefix';
  backend: Backend;
}

export const ROUTES: readonly Route[] = [
  // ActivityPub: discovery, actors and inboxes.
  { path: '/.well-known/webfinger', match: 'exact', backend: 'activitypub' },
  { path: '/.well-known/host-meta', match: 'exact', backend: 'activitypub' },
  { path: '/.well-known/host-meta.json', match: 'exact', backend: 'activitypub' },
  { path: '/.well-known/nodeinfo', match: 'exact', backend: 'activitypub' },
  { path: '/nodeinfo', match: 'prefix', backend: 'activitypub' },
  { path: '/ap', match: 'prefix', backend: 'activitypub' },
  { path: '/inbox', match: 'exact', backend: 'activitypub' },
  // Nostr: NIP-05 names and linking a key.
  { path: '/.well-known/nostr.json', match: 'exact', backend: 'nostr' },
  { path: '/api/v1/nostr', match: 'prefix', backend: 'nostr' },
  // AT Protocol: the PDS answers XRPC and handle resolution for the bridged accounts it hosts;
  // the adapter links a person's own account.
  { path: '/xrpc', match: 'prefix', backend: 'pds' },
  { path: '/.well-known/atproto-did', match: 'exact', backend: 'pds' },
  { path: '/api/v1/atproto', match: 'prefix', backend: 'atproto' },
  // The bridge's own Nostr relay (WebSocket and NIP-11 on exactly this path).
  { path: '/relay', match: 'exact', backend: 'nostr-relay' },
  // Solid: notification webhooks (`/api/v1/solid/webhook/<pod>`), linking, archive and status.
  { path: '/api/v1/solid', match: 'prefix', backend: 'solid' },
  { path: '/solid', match: 'prefix', backend: 'solid' },
  // Everything else: REST API, OpenAPI and the dashboard.
  { path: '/api', match: 'prefix', backend: 'gateway' },
  { path: '/', match: 'prefix', backend: 'gateway' },
];

/** Request paths and where they must land: the cases both routers are checked against. */
export const ROUTING_CASES: ReadonlyArray<[string, Backend]> = [
  ['/.well-known/webfinger', 'activitypub'],
  ['/.well-known/host-meta', 'activitypub'],
  ['/.well-known/host-meta.json', 'activitypub'],
  ['/.well-known/nodeinfo', 'activitypub'],
  ['/nodeinfo/2.1', 'activitypub'],
  ['/ap/users/alice', 'activitypub'],
  ['/ap/users/alice/inbox', 'activitypub'],
  ['/ap/inbox', 'activitypub'],
  ['/inbox', 'activitypub'],
  ['/inboxes', 'gateway'],
  ['/apx', 'gateway'],
  ['/.well-known/nostr.json', 'nostr'],
  ['/api/v1/nostr/link', 'nostr'],
  ['/relay', 'nostr-relay'],
  ['/relay/x', 'gateway'],
  ['/api/v1/status', 'gateway'],
  ['/api/docs/openapi.json', 'gateway'],
  ['/xrpc/com.atproto.sync.getRepo', 'pds'],
  ['/.well-known/atproto-did', 'pds'],
  ['/solid/webhook/abc', 'solid'],
  ['/api/v1/solid/webhook/pod-1', 'solid'],
  ['/api/v1/solid/status', 'solid'],
  ['/api/v1/atproto/link', 'atproto'],
  ['/api/v1/atprotox', 'gateway'],
  ['/.well-known/security.txt', 'gateway'],
  ['/', 'gateway'],
  ['/dashboard/accounts', 'gateway'],
];
