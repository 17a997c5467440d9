export * from './protocol-adapter.js';
export * from './edit-fallback.js';
export * from './retry-policy.js';
export * from './delivery-error.js';
export * from './command-validation.js';
export { DeliveryLedger, isFinal, isParked, type LedgerRow } from './delivery-ledger.js';
export * from './outbound-runner.js';
