export * from './tokens.js';
export * from './health-registry.js';
export * from './platform.module.js';
export * from './bootstrap.js';
export * from './database.js';
export * from './master-key.js';
export * from './json-body.js';
