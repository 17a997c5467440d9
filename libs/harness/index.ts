/** Test harness: real peer servers of each network, and Pontis as a child process. */
export * from './util.js';
export { PeerChild, runAsChild, isMainModule, childConfig, type ChildPeer, type PeerChildOptions } from './child.js';
export * from './peers/peer.js';
export * from './peers/atproto-peer.js';
export * from './peers/solid-peer.js';
export * from './peers/nostr-relay-peer.js';
export * from './peers/activitypub-peer.js';
export * from './pontis-process.js';
export * from './peer-fleet.js';
export * from './postgres-cluster.js';
export * from './kafka-broker.js';
export * from './service-process.js';
export * from './peers/pinned-hosts.js';
export * from './peers/atproto-oauth-browser.js';
