export * from './archive-backfill.js';
export * from './history-source.js';
export * from './nostr-history.js';
export * from './activitypub-history.js';
export * from './atproto-history.js';
