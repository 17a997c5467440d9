import type { SolidLinkService, SolidOidcLogin, WebIdAuth } from './identity/index.js';
import type { SolidIngest } from './ingest/index.js';
import type { PodRepository } from './pod/index.js';

/** Where the person's identity provider sends them back after a Solid-OIDC login. */
export const LOGIN_CALLBACK_PATH = 'api/v1/solid/login/callback';

/** What the HTTP routes need, filled in once the adapter has started (its bridge WebID exists). */
export class SolidRuntime {
  bridgeWebId?: string;
  link?: SolidLinkService;
  ingest?: SolidIngest;
  repo?: PodRepository;
  login?: SolidOidcLogin;
  auth?: WebIdAuth;
  /** Why the adapter is not running, when it is not. */
  problem = 'starting';
}
