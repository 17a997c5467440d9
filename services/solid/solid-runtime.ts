import type { SolidLinkService } from './identity/index.js';
import type { SolidIngest } from './ingest/index.js';
import type { PodRepository } from './pod/index.js';

/** What the HTTP routes need, filled in once the adapter has started (its bridge WebID exists). */
export class SolidRuntime {
  bridgeWebId?: string;
  link?: SolidLinkService;
  ingest?: SolidIngest;
  repo?: PodRepository;
  /** Why the adapter is not running, when it is not. */
  problem = 'starting';
}
