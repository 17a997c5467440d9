export { SolidBackfillSource, type SolidBackfillOptions } from './solid-backfill-source.js';
