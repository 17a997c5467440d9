export * from './wait-for.js';
export * from './test-env.js';
export * from './seed.js';
export * from './seeded-random.js';
export * from './hostile-payloads.js';
export * from './tiny-dns-server.js';
export * from './rebinding-target.js';
