export * from './solid-deliverer.js';
