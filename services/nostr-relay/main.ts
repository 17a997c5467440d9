import { runServices } from '../pontis/run-services.js';

/** The bridge's own Nostr relay alone (NIP-42 + NIP-70, restricted writes), on PORT at /relay. */
await runServices(['nostr-relay']);
