import { runServices } from '../pontis/run-services.js';

/** The ActivityPub adapter alone (one Deployment in k8s): actors, inboxes, outbound delivery. */
await runServices(['activitypub']);
