export * from './relay-result.js';
export { RelayConnection, type NostrFilter } from './relay-connection.js';
export * from './relay-publisher.js';
export * from './provision.js';
export * from './nostr-deliverer.js';
export * from './inbox-relays.js';
export * from './auth-signer.js';
