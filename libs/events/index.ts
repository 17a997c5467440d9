export * from './networks.js';
export * from './event-types.js';
export * from './topics.js';
export * from './bridge-event.js';
export * from './outbound-command.js';
export * from './validate.js';
export * from './fixtures.js';
