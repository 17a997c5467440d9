export { NostrBackfillSource, type NostrBackfillOptions } from './nostr-backfill-source.js';
