export * from './bridge-identity.js';
export * from './pod-names.js';
export * from './pod-setup.js';
export * from './provisioner.js';
export * from './link-service.js';
