export * from './constants.js';
export * from './bridged-keys.js';
export * from './handles.js';
export * from './nip05.js';
export * from './nip05.controller.js';
export * from './nip98.js';
export * from './nostr-identity.module.js';
export * from './nostr-identity.options.js';
