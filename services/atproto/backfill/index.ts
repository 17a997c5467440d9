export { AtprotoBackfillSource, type AtprotoBackfillOptions } from './atproto-backfill-source.js';
