export * from './acl.js';
export * from './account-api.js';
export { DpopKey } from './dpop.js';
export * from './pod-client.js';
export * from './solid-session.js';
export * from './pod-repository.js';
export * from './trusted-guard.js';
export * from './jwt.js';
export * from './token-session.js';
