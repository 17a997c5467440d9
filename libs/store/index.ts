export * from './entities/index.js';
export { ALL_MIGRATIONS } from './migrations/index.js';
export { createDataSource, runMigrations, type StoreOptions } from './data-source.js';
export { migrate } from './migrate.js';
export { startEmbeddedPostgres, embeddedPgDir, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres.js';
export { SecretBox, SecretBoxError, parseMasterKey, parseKeyring, type Sealed, type MasterKey } from './secret-box.js';
export { KeyStore } from './key-store.js';
export * from './settings-store.js';
export * from './cursor-store.js';
