import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '../../libs/config/index.js';
import { eventFixture, TOPICS } from '../../libs/events/index.js';
import { BUS, bootstrap } from '../../libs/platform/index.js';
import type { Bus } from '../../libs/bus/index.js';
import { waitFor } from '../../libs/testing/index.js';
import { TranslatorModule } from '../translator/translator.module.js';
import { GatewayModule } from './gateway.module.js';

describe('gateway and translator in one process on the embedded defaults', { timeout: 120_000 }, () => {
  let app: INestApplication;
  let base: string;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pontis-gateway-'));
    const config = loadConfig({ PORT: '0', PONTIS_DATA_DIR: dir, PONTIS_SANDBOX: '0', LOG_LEVEL: 'warn' });
    app = await bootstrap({ config, modules: [GatewayModule, TranslatorModule], openApi: true });
    const { port } = app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports health of the database, the bus and the translator', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; components: Record<string, { ok: boolean; detail: string }> };
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.components).sort(), ['bus', 'database', 'translator']);
    assert.equal(body.components.database!.detail, 'embedded PGlite');
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /pontis_events_in_total/);
    assert.match(text, /pontis_process_resident_memory_bytes/);
  });

  it('shows an event flowing through in the status API', async () => {
    const before = (await (await fetch(`${base}/api/v1/status`)).json()) as { events: { in: number; dropped: number } };
    const bus = app.get<Bus>(BUS);
    await bus.publish(TOPICS.events, [{ key: 'k', value: JSON.stringify(eventFixture('post.created')) }]);
    await bus.publish(TOPICS.events, [{ key: 'k', value: 'not json' }]);
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/api/v1/status`)).json()) as {
          events: { in: number; dropped: number };
          deadLetters: { total: number; recent: { reason: string }[] };
          networks: Record<string, { enabled: boolean; adapter: { running: boolean } }>;
          consumerLag: { translator: number | null };
        };
        return s.events.in > before.events.in && s.deadLetters.total > 0 && s;
      },
      { what: 'the status API to show the event' },
    );
    assert.equal(status.events.dropped, before.events.dropped + 1, 'nobody opted in, so the post is dropped');
    assert.match(status.deadLetters.recent[0]!.reason, /not JSON/);
    assert.deepEqual(Object.keys(status.networks).sort(), ['activitypub', 'atproto', 'nostr', 'solid']);
    assert.equal(status.networks.nostr!.enabled, true);
    assert.equal(typeof status.consumerLag.translator, 'number');
  });

  it('publishes an OpenAPI document', async () => {
    const res = await fetch(`${base}/api/docs/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    for (const path of ['/health', '/metrics', '/api/v1/status']) assert.ok(doc.paths[path], `${path} documented`);
    assert.equal((await fetch(`${base}/api/docs`)).status, 200);
  });

  it('answers unknown routes and bad bodies with JSON errors', async () => {
    const missing = await fetch(`${base}/api/v1/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { statusCode: number }).statusCode, 404);
    const huge = await fetch(`${base}/api/v1/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(2_000_000) }) });
    assert.equal(huge.status, 413);
    assert.match(((await huge.json()) as { message: string }).message, /too large/i);
  });
});
