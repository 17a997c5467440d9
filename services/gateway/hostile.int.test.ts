/**
 * Hostile input on the public API, through the real bootstrap (the body parser every process
 * shares), Postgres and Kafka: oversized, deeply nested, invalid UTF-8 and malformed bodies are
 * refused with a clear reason before any handler runs, a flood from one client gets 429, and each
 * refusal is counted on the process's own /metrics. Another client is not slowed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deeplyNestedJson, invalidUtf8Json, oversizedText, scrapeRejected } from '../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from './testing/gateway-fixture.js';

describe('hostile input on the public API', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  // A JSON route of the public API (a bad body is refused before routing, so the route hardly matters).
  const path = '/api/v1/accounts/x/mirror';
  const raw = (body: string | Buffer, ip: string, p = path): Promise<Response> =>
    fetch(`${gw.base}${p}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: typeof body === 'string' ? body : new Uint8Array(body) });

  before(async () => {
    // 20 at once, then 60 a minute: nothing refills noticeably during the flood.
    gw = await startGateway({ PONTIS_RATE_LIMIT_PER_MINUTE: '60', PONTIS_RATE_LIMIT_BURST: '20', PONTIS_TRUSTED_PROXY_HOPS: '1' });
  });
  after(async () => {
    await gw?.close();
  });

  const cases: [string, () => string | Buffer, number, RegExp, string][] = [
    ['a body over 1 MB', () => JSON.stringify({ content: oversizedText(1_100_000) }), 413, /too large/i, 'too_large'],
    ['JSON nested 10,000 deep', () => deeplyNestedJson(10_000), 400, /nested deeper than 64/, 'too_deep'],
    ['bytes that are not UTF-8', () => invalidUtf8Json({ mode: 'native' }), 400, /not valid UTF-8/, 'invalid_utf8'],
    ['a body that is not JSON', () => '{"mode": ', 400, /JSON|Unexpected/, 'bad_json'],
  ];
  for (const [what, body, status, message, reason] of cases) {
    it(`${what} is refused (${status}) with a reason, and counted`, async () => {
      const before = await scrapeRejected(gw.base, 'api', reason);
      const res = await raw(body(), '198.51.100.10');
      const answer = (await res.json()) as { statusCode: number; message: string };
      assert.equal(res.status, status, JSON.stringify(answer));
      assert.match(answer.message, message);
      assert.equal(await scrapeRejected(gw.base, 'api', reason), before + 1);
    });
  }

  it('the same body check guards every entry point of the process (an ActivityPub inbox path is counted as activitypub)', async () => {
    const before = await scrapeRejected(gw.base, 'activitypub', 'too_deep');
    const res = await fetch(`${gw.base}/ap/inbox`, { method: 'POST', headers: { 'content-type': 'application/activity+json', 'x-forwarded-for': '198.51.100.11' }, body: deeplyNestedJson(10_000) });
    assert.equal(res.status, 400);
    assert.equal(await scrapeRejected(gw.base, 'activitypub', 'too_deep'), before + 1);
  });

  it('a nesting depth real documents use still passes the body check', async () => {
    // 30 deep is past any real ActivityStreams document; the route then answers about the body itself.
    const res = await raw(JSON.stringify({ mode: 'native', x: JSON.parse(deeplyNestedJson(30)) }), '198.51.100.12');
    assert.notEqual(res.status, 413);
    const answer = (await res.json()) as { message: string };
    assert.doesNotMatch(String(answer.message), /nested deeper|UTF-8|too large/);
  });

  it('a flood from one client gets 429 after its burst, counted; another client is served and not slowed', async () => {
    const before = await scrapeRejected(gw.base, 'api', 'rate_limited');
    const timed = async (ip: string) => {
      const t = performance.now();
      const res = await fetch(`${gw.base}/api/v1/status`, { headers: { 'x-forwarded-for': ip } });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t };
    };
    const quiet: number[] = [];
    for (let i = 0; i < 5; i++) quiet.push((await timed('203.0.113.50')).ms);
    const flood = await Promise.all(Array.from({ length: 60 }, () => timed('203.0.113.66')));
    const statuses = flood.map((r) => r.status);
    assert.ok(statuses.filter((s) => s === 429).length >= 60 - 20 - 2, `at most the burst (20, and a refill or two) got through: ${statuses.join(',')}`);
    assert.equal(await scrapeRejected(gw.base, 'api', 'rate_limited'), before + statuses.filter((s) => s === 429).length);
    // Another client during a second flood: served, and its latency stays within a small multiple of the quiet one.
    const during = await Promise.all([
      ...Array.from({ length: 60 }, () => timed('203.0.113.66')),
      (async () => {
        const mine: { status: number; ms: number }[] = [];
        for (let i = 0; i < 5; i++) mine.push(await timed('203.0.113.51'));
        return mine;
      })(),
    ]);
    const mine = during.at(-1) as { status: number; ms: number }[];
    assert.deepEqual(mine.map((r) => r.status), [200, 200, 200, 200, 200]);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(mine.map((r) => r.ms)) / Math.max(1, median(quiet));
    assert.ok(ratio < 20, `another client's median latency grew ${ratio.toFixed(1)}x during the flood`);
  });
});
