/** Injection tokens for the few shared dependencies; services take only what they use. */
export const CONFIG = Symbol('pontis.config');
export const DATA_SOURCE = Symbol('pontis.dataSource');
export const BUS = Symbol('pontis.bus');
