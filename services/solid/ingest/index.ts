export * from './reconciler.js';
export * from './solid-ingest.js';
export * from './webhook-subscriber.js';
export * from './webhook-verifier.js';
