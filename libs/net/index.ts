export * from './address-guard.js';
