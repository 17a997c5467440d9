import { runServices } from '../pontis/run-services.js';

/** The REST API alone (one Deployment in k8s). */
await runServices(['gateway']);
