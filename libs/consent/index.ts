export * from './bot-signal.js';
export * from './consent-change.js';
export * from './opt-out.js';
export * from './opt-out-tag.js';
