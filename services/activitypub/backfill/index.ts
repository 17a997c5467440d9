export { ActivityPubBackfillSource, type ActivityPubBackfillOptions } from './activitypub-backfill-source.js';
