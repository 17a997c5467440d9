import { runServices } from '../pontis/run-services.js';

/** The Solid adapter alone (one Deployment in k8s): pod publishing, linked-pod ingest, webhooks. */
await runServices(['solid']);
