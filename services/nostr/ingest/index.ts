export { NostrIngest, type NostrIngestOptions, type NostrIngestHealth } from './nostr-ingest.js';
export { createVerifier, jsVerifier, shapeProblem, type EventVerifier, type RejectReason, type Verdict } from './event-verifier.js';
export { RecentIds } from './dedupe.js';
export { WatchList, loadWatchSet, classify, subscriptionsFor, type WatchSet, type SubSpec, type Filter } from './watch-list.js';
export { RelaySubscription } from './relay-subscription.js';
