export { applyBlockChanges, loadBlockers, type BlockChange } from './block-store.js';
