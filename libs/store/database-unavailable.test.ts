import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseUnavailable } from './database-unavailable.js';

describe('isDatabaseUnavailable', () => {
  it('a refused or cut connection, or a server shutting down or recovering, is the database being away', () => {
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:38875'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), true);
    assert.equal(isDatabaseUnavailable(new Error('the database system is in recovery mode')), true);
  });

  it('looks through TypeORM’s wrapper and causes', () => {
    const driverError = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('QueryFailedError'), { driverError })), true);
    assert.equal(isDatabaseUnavailable(new Error('handler failed', { cause: new Error('read ECONNRESET') })), true);
  });

  it('a wrong query or bad data is not', () => {
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })), false);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' })), false);
    assert.equal(isDatabaseUnavailable(undefined), false);
  });
});
