export * from './lru.js';
export * from './token-buckets.js';
