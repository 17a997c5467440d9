export * from './address-guard.js';
export * from './read-capped.js';
