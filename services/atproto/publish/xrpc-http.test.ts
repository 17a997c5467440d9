import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XRPCError } from '@atproto/api';
import { retryAfterMs, toDeliveryError } from './xrpc-http.js';

const NOW = Date.parse('2026-11-26T07:00:00Z');

describe('rate-limit headers', () => {
  it('reads Retry-After in seconds or as a date, and the PDS RateLimit-Reset (unix seconds)', () => {
    assert.equal(retryAfterMs({ 'Retry-After': '7' }, NOW), 7000);
    assert.equal(retryAfterMs({ 'retry-after': new Date(NOW + 3000).toUTCString() }, NOW), 3000);
    assert.equal(retryAfterMs({ 'ratelimit-reset': String(NOW / 1000 + 42), 'ratelimit-remaining': '0' }, NOW), 42_000);
    assert.equal(retryAfterMs({ 'ratelimit-reset': '5' }, NOW), 5000);
    assert.equal(retryAfterMs({}, NOW), undefined);
  });

  it('429 is transient and carries the wait; 400 permanent; 5xx transient; network transient', () => {
    const limited = toDeliveryError(new XRPCError(429, 'RateLimitExceeded', 'slow down', { 'ratelimit-reset': String(NOW / 1000 + 60) }), 'pds', NOW);
    assert.deepEqual([limited.kind, limited.retryAfterMs], ['transient', 60_000]);
    assert.equal(toDeliveryError(new XRPCError(400, 'InvalidRequest', 'bad record'), 'pds').kind, 'permanent');
    assert.equal(toDeliveryError(new XRPCError(502, 'UpstreamFailure', 'oops'), 'pds').kind, 'transient');
    assert.equal(toDeliveryError(new TypeError('fetch failed'), 'pds').kind, 'transient');
  });
});
