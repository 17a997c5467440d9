import { runServices } from '../pontis/run-services.js';

/** The translator alone (one Deployment in k8s); scale it by bridge.events.v1 partitions. */
await runServices(['translator']);
