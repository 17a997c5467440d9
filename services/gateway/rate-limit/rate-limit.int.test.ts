import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

describe('rate limit of the public API per client IP', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let admin: string;

  before(async () => {
    // 6 a minute: one token every 10 s, so nothing refills during the test.
    gw = await startGateway({ PONTIS_RATE_LIMIT_PER_MINUTE: '6', PONTIS_RATE_LIMIT_BURST: '3', PONTIS_TRUSTED_PROXY_HOPS: '1' });
    admin = await gw.token('admin');
  });
  after(async () => {
    await gw?.close();
  });

  it('lets a burst through, then answers 429 JSON with Retry-After, per client', async () => {
    const as = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i++) assert.equal((await gw.call('GET', '/api/v1/status', as('203.0.113.1'))).status, 200);
    const limited = await gw.call('GET', '/api/v1/accounts?q=a.example', as('203.0.113.1'));
    assert.equal(limited.status, 429);
    assert.equal(limited.body.statusCode, 429);
    assert.match(limited.body.message, /rate limit: 6 requests per minute per client; retry in \d+ s/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await gw.call('GET', '/api/v1/status', as('203.0.113.2'))).status, 200, 'another client is not affected');
    // A client cannot dodge the limit by prepending its own X-Forwarded-For entries: only the proxy's is trusted.
    assert.equal((await gw.call('GET', '/api/v1/status', as('198.51.100.7, 203.0.113.1'))).status, 429);
  });

  it('does not count health probes, metrics scrapes or authenticated admin calls', async () => {
    const as = { headers: { 'x-forwarded-for': '203.0.113.1' } };
    assert.equal((await gw.call('GET', '/health', as)).status, 200);
    assert.equal((await gw.call('GET', '/metrics', as)).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await gw.call('GET', '/api/v1/admin/settings', { ...as, token: admin })).status, 200);
    const anonymousAdmin = await gw.call('GET', '/api/v1/admin/settings', as);
    assert.equal(anonymousAdmin.status, 429, 'without a token an admin route is public, and limited');
  });
});
