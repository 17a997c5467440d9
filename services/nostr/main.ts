import { runServices } from '../pontis/run-services.js';

/** The Nostr adapter alone (one Deployment in k8s): relay ingest, outbound delivery, NIP-05. */
await runServices(['nostr']);
