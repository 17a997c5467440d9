import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { npubEncode } from 'nostr-tools/nip19';
import type { Page } from 'playwright-core';
import { TOPICS } from '../../../libs/events/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';
import { StatusHistory } from './history/status-history.js';
import { launchChromium, type Chromium } from './testing/chromium.js';
import { pngStats } from './testing/png-stats.js';

const ALICE_KEY = 'a1'.repeat(32);
const ALICE_AP = 'https://bridge.example/ap/users/alice_at_example.com';
const ALICE_DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa';
const ALICE_WEBID = 'https://solid.bridge.example/alice/profile/card#me';
const MALLORY_KEY = 'e3'.repeat(32);
const XSS_HANDLE = '<script>window.__xss=1</script>@evil.example';
const XSS_IMG = '<img src=x onerror="window.__xss=2">.evil.example';
const VIEWPORT = { width: 1280, height: 900 };

/**
 * The dashboard in a real headless Chromium against a real gateway on the real Postgres and
 * Kafka, with seeded people, deliveries, audit entries and dead letters.
 */
describe('dashboard in headless Chromium', { timeout: 300_000 }, () => {
  let gw: GatewayFixture;
  let browser: Chromium;
  let admin: string;
  let alice: string;
  let deadLetter: string;
  const pageErrors: string[] = [];

  before(async () => {
    gw = await startGateway();
    // The charts get exactly the samples taken below: the 15 s timer is stopped.
    gw.app.get(StatusHistory).onModuleDestroy();
    admin = await gw.token('admin', 'dash-admin');
    alice = await seedAccount(gw.ds, [
      { network: 'nostr', id: ALICE_KEY, handle: 'alice@example.com', kind: 'native' },
      { network: 'activitypub', id: ALICE_AP, handle: '@alice_at_example.com@bridge.example', kind: 'bridged' },
      { network: 'atproto', id: ALICE_DID, handle: 'alice-example-com.bridge.example', kind: 'bridged' },
      { network: 'solid', id: ALICE_WEBID, kind: 'bridged' },
    ], { mirror: { solid: 'off' } });
    // Mallory's handles are markup and her fediverse id a javascript: URL: all must show as text, none as a link.
    await seedAccount(gw.ds, [
      { network: 'nostr', id: MALLORY_KEY, handle: XSS_HANDLE, kind: 'native' },
      { network: 'atproto', id: 'did:plc:mmmmmmmmmmmmmmmmmmmmmmmm', handle: XSS_IMG, kind: 'bridged' },
      { network: 'activitypub', id: 'javascript:window.__xss=3', handle: null as unknown as undefined, kind: 'bridged' },
    ]);
    const key = randomUUID();
    const note = 'c3'.repeat(32);
    await gw.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, url, is_original, owner_network, owner_id) VALUES
        ($1, 'nostr', $2, NULL, true, 'nostr', $3), ($1, 'activitypub', $4, $4, false, NULL, NULL)`,
      [key, note, ALICE_KEY, `${ALICE_AP}/notes/1`],
    );
    await gw.ds.query(
      `INSERT INTO deliveries (command_id, event_id, target, account_id, object_key, status, attempts, native_id, last_error, next_attempt_at, created_at) VALUES
        ('c1', 'ev-1', 'activitypub', $1, $2, 'delivered', 1, $3, NULL, NULL, now() - interval '1 minute'),
        ('c2', 'ev-1', 'atproto', $1, $2, 'failed', 3, NULL, 'PDS answered 502', now() + interval '5 minutes', now() - interval '2 minutes')`,
      [alice, key, `${ALICE_AP}/notes/1`],
    );
    // Alice's backfill: done, its one post delivered to the fediverse and still retrying to Bluesky.
    const [job]: { id: string }[] = await gw.ds.query(
      `INSERT INTO backfill_jobs (account_id, network, native_id, count, state, fetched_at, started_at, finished_at) VALUES ($1, 'nostr', $2, 5, 'done', now(), now() - interval '3 minutes', now() - interval '2 minutes') RETURNING id`,
      [alice, ALICE_KEY],
    );
    await gw.ds.query(`INSERT INTO backfill_items (job_id, seq, role, event_id, event, published_at) VALUES ($1, 0, 'post', 'ev-1', '{}', now())`, [job!.id]);
    for (let i = 1; i <= 25; i++) await gw.ds.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ('token:seed', 'seed.entry', $1, '{}')`, [`entry-${i}`]);
    const [dl] = await gw.ds.query(`INSERT INTO dead_letters (topic, message_key, payload, reason, source, event_id) VALUES ($1, 'acct-1', '{"v":1}', 'unknown event version 9', 'validation', 'ev-dl') RETURNING id::text`, [TOPICS.events]);
    deadLetter = dl.id;
    // Three chart points, the last with a delivery in its interval.
    const history = gw.app.get(StatusHistory);
    await history.sample();
    await history.sample();
    await gw.ds.query(`UPDATE deliveries SET updated_at = now() WHERE command_id = 'c1'`);
    await history.sample();
    browser = await launchChromium(VIEWPORT);
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  async function open(hash: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (d) => {
      pageErrors.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${gw.base}/dashboard${hash}`);
    return page;
  }

  /** A screenshot of the viewport, checked: right size, and not one colour (a blank or failed page). */
  async function screenshot(page: Page, name: string): Promise<void> {
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    const png = await page.screenshot();
    await mkdir('.test-results/dashboard', { recursive: true });
    await writeFile(`.test-results/dashboard/${name}.png`, png);
    const s = pngStats(png);
    assert.equal(s.width, VIEWPORT.width, `${name}: width`);
    assert.equal(s.height, VIEWPORT.height, `${name}: height`);
    assert.ok(s.distinctColours >= 20, `${name}: only ${s.distinctColours} colours`);
    assert.ok(s.dominantShare < 0.97, `${name}: ${Math.round(s.dominantShare * 100)} % of the pixels are one colour`);
  }

  it('serves the page with a CSP that allows no inline script, and the root redirects to it', async () => {
    const res = await fetch(`${gw.base}/dashboard`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(await res.text(), /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script> in the page');
    assert.equal((await fetch(`${gw.base}/dashboard/js/main.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(`${gw.base}/dashboard/js/png-stats.test.js`)).status, 404);
    assert.equal((await fetch(`${gw.base}/dashboard/js/..%2Fdashboard.controller.js`)).status, 404);
    const root = await fetch(`${gw.base}/`, { redirect: 'manual' });
    assert.equal(root.headers.get('location'), '/dashboard');
  });

  it('looks a person up by a handle and shows their mirror on the four networks', async () => {
    const page = await open(`#/lookup?q=${encodeURIComponent('@Alice@Example.com')}`);
    const account = page.locator(`section.account[data-account="${alice}"]`);
    await account.waitFor();
    for (const [net, text] of [['nostr', 'alice@example.com'], ['activitypub', '@alice_at_example.com@bridge.example'], ['atproto', 'alice-example-com.bridge.example'], ['solid', ALICE_WEBID]])
      assert.match((await account.locator(`[data-network="${net}"]`).textContent()) ?? '', new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), net);
    assert.equal(await account.locator('[data-network="atproto"] a').first().getAttribute('href'), `https://bsky.app/profile/${ALICE_DID}`);
    assert.equal(await account.locator('[data-network="nostr"] a').first().getAttribute('href'), `https://njump.me/${npubEncode(ALICE_KEY)}`);
    const text = (await account.textContent()) ?? '';
    assert.match(text, /PDS answered 502/, 'the failure and its reason');
    assert.match(text, /in [45] min/, 'the next retry');
    assert.match(text, new RegExp(`${ALICE_AP}/notes/1`), 'the copy of the post on the fediverse');
    // Each network's mirror mode: her choice (Solid off), else the default.
    assert.equal(await account.locator('[data-network="solid"] .mirror-mode').getAttribute('data-mode'), 'off');
    assert.match((await account.locator('[data-network="solid"] .mirror-mode').textContent()) ?? '', /not mirrored here, their choice/);
    assert.equal(await account.locator('[data-network="atproto"] .mirror-mode').getAttribute('data-mode'), 'bridged');
    assert.match((await account.locator('[data-network="atproto"] .mirror-mode').textContent()) ?? '', /through their bridged identity, by default/);
    const backfill = (await account.locator('[data-section="backfill"]').textContent()) ?? '';
    assert.match(backfill, /Nostr.*last 5.*done, copies on their way/, 'the backfill, with the post still being delivered');
    await screenshot(page, 'lookup');
    await page.close();
  });

  it('looks up by an npub, a Bluesky handle, a DID or a WebID typed into the form, and says why a query cannot be read', async () => {
    const page = await open('#/lookup');
    for (const q of [npubEncode(ALICE_KEY), 'alice-example-com.bridge.example', ALICE_DID, ALICE_WEBID]) {
      await page.fill('#lookup-q', q);
      await page.click('#lookup-form button');
      await page.waitForFunction((want) => (globalThis as unknown as { location: { hash: string } }).location.hash === want, `#/lookup?${new URLSearchParams({ q })}`);
      await page.locator(`section.account[data-account="${alice}"]`).waitFor();
    }
    await page.fill('#lookup-q', 'npub1notakey');
    await page.click('#lookup-form button');
    await page.locator('#lookup-error').waitFor();
    assert.match((await page.locator('#lookup-error').textContent()) ?? '', /not a valid npub/);
    await page.close();
  });

  it('shows markup in handles and queries as text, never running it', async () => {
    const page = await open(`#/lookup?q=${MALLORY_KEY}`);
    const account = page.locator('section.account');
    await account.waitFor();
    assert.match((await account.locator('[data-network="nostr"]').textContent()) ?? '', /<script>window\.__xss=1<\/script>@evil\.example/);
    assert.match((await account.locator('[data-network="atproto"]').textContent()) ?? '', /<img src=x onerror="window\.__xss=2">/);
    assert.equal(await page.locator('section.account script, section.account img').count(), 0, 'no element made from a handle');
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link');
    await page.fill('#lookup-q', '<img src=x onerror="window.__xss=4">');
    await page.click('#lookup-form button');
    await page.locator('#lookup-error').waitFor();
    assert.match((await page.locator('#lookup-error').textContent()) ?? '', /<img src=x onerror="window\.__xss=4">/);
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
    await screenshot(page, 'lookup-xss');
    await page.close();
  });

  it('shows each network with connection, lag and error rate, and charts of events and lag', async () => {
    const page = await open('#/status');
    await page.locator('#network-table').waitFor();
    assert.equal(await page.locator('#network-table tbody tr').count(), 4);
    const atproto = (await page.locator('#network-table tbody tr', { hasText: 'Bluesky' }).textContent()) ?? '';
    assert.match(atproto, /not connected/);
    assert.match(atproto, /100 %/, 'its only delivery of the last hour failed');
    for (const id of ['chart-events', 'chart-lag', 'chart-failures']) assert.equal(await page.locator(`#${id} path.series`).count() >= 4, true, id);
    const d = await page.locator('#chart-events path.series.activitypub').getAttribute('d');
    assert.match(d ?? '', /^M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ L[\d.]+ [\d.]+$/, 'three samples, one line');
    await screenshot(page, 'status');
    await page.close();
  });

  it('lets an admin toggle networks and domains, page the audit log and replay a dead letter', async () => {
    const page = await open('#/admin');
    await page.fill('#admin-token', 'pontis_wrong');
    await page.click('#admin-signin button');
    await page.locator('#admin-signin-error.error').waitFor();
    assert.match((await page.locator('#admin-signin-error').textContent()) ?? '', /malformed admin token/, 'the gateway says why the token was refused');
    await page.fill('#admin-token', admin);
    await page.click('#admin-signin button');
    await page.locator('#net-nostr').waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 1, 'the token is in sessionStorage');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { localStorage: { length: number } }).localStorage.length), 0, 'and nowhere lasting');

    assert.equal(await page.isChecked('#net-nostr'), true);
    await page.uncheck('#net-nostr');
    await page.locator('#admin-message', { hasText: 'Nostr turned off' }).waitFor();
    assert.equal((await gw.call('GET', '/api/v1/admin/settings', { token: admin })).body.networks.nostr, false);
    assert.equal(await page.isChecked('#net-nostr'), false);

    await page.fill('#domain-blocked-input', 'Spam.Example');
    await page.click('#domain-blocked-form button');
    await page.locator('#domains-blocked code', { hasText: 'spam.example' }).waitFor();
    assert.deepEqual((await gw.call('GET', '/api/v1/admin/settings', { token: admin })).body.blockedDomains, ['spam.example']);

    // 25 seeded entries, the token's creation and the two changes above: 28, in pages of 20.
    // A reload keeps the token (same tab) and reads the audit log again.
    await page.reload();
    await page.locator('#audit-log tbody tr', { hasText: 'settings.update' }).first().waitFor();
    assert.equal(await page.locator('#audit-log tbody tr').count(), 20);
    await page.click('#audit-log [data-page="older"]');
    await page.locator('#audit-log', { hasText: 'page 2' }).waitFor();
    assert.equal(await page.locator('#audit-log tbody tr').count(), 8);
    await page.click('#audit-log [data-page="newer"]');
    await page.locator('#audit-log', { hasText: 'page 1' }).waitFor();

    await page.click(`[data-replay="${deadLetter}"]`);
    await page.locator('#admin-message', { hasText: `dead letter ${deadLetter} replayed to` }).waitFor();
    assert.ok((await gw.call('GET', `/api/v1/admin/dead-letters/${deadLetter}`, { token: admin })).body.replayedAt, 'marked replayed');
    await screenshot(page, 'admin');
    await page.click('#admin-forget');
    await page.locator('#admin-token').waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'forgotten');
    await page.close();
  });

  it('ran without a script error or a dialog on any page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
