import { runServices } from '../pontis/run-services.js';

/** The AT Protocol adapter alone (one Deployment in k8s): firehose ingest, outbound delivery, account linking. */
await runServices(['atproto']);
