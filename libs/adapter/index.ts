export * from './protocol-adapter.js';
