/** Injection tokens for the few shared dependencies; services take only what they use. */
export const CONFIG = Symbol('pontis.config');
export const DATA_SOURCE = Symbol('pontis.dataSource');
export const BUS = Symbol('pontis.bus');
/** Encrypts private keys and tokens at rest (libs/store SecretBox) with the master key. */
export const SECRET_BOX = Symbol('pontis.secretBox');
