/**
 * Hostile input on Solid ingest, against a real Community Solid Server (child process), the real
 * ingest and webhook verifier over HTTP, Postgres and the in-process bus: webhook notifications with
 * a forged token, a DPoP proof for another URL, or none; pod resources with script, private-address
 * media, 10,000-deep JSON-LD and an oversized body. Each is refused or neutralised with a reason
 * counted in pontis_rejected_input_total{network="solid"}; an honest post in the same pod still
 * arrives through a verified notification.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Recorder } from '../../libs/adapter/testing.js';
import { MemoryBus } from '../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../libs/events/index.js';
import { freePort } from '../../libs/harness/index.js';
import { rejectedCount } from '../../libs/observability/index.js';
import { activeContent, deeplyNestedJson, oversizedText, PRIVATE_URLS, SCRIPT_HTML, waitFor } from '../../libs/testing/index.js';
import { SolidLinkService } from './identity/index.js';
import { SolidIngest, WEBHOOK_PATH } from './ingest/solid-ingest.js';
import { WebhookVerifier } from './ingest/webhook-verifier.js';
import { AS2_CONTEXT } from './mapping/index.js';
import { DpopKey } from './pod/index.js';
import { personWithGrant, startWorld, type SolidWorld } from './test-support.js';

describe('hostile input on Solid ingest (real CSS)', { timeout: 240_000 }, () => {
  let w: SolidWorld;
  let bus: MemoryBus;
  let rec: Recorder;
  let ingest: SolidIngest;
  let server: Server;
  let alice: Awaited<ReturnType<typeof personWithGrant>>;
  let podId: string;
  const answers: number[] = [];

  const events = (pred: (e: BridgeEvent) => boolean) => rec.json<BridgeEvent>(TOPICS.events).filter(pred);
  const note = (content: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: alice.account.webId, content, to: ['https://www.w3.org/ns/activitystreams#Public'], published: new Date().toISOString(), ...extra });
  const put = (name: string, body: string, type = 'application/ld+json') =>
    alice.personal.fetch(`${alice.socialUrl}outbox/${name}`, { method: 'PUT', headers: { 'content-type': type }, body });

  before(async () => {
    w = await startWorld();
    bus = new MemoryBus({ backoff: { baseMs: 20, maxMs: 200, jitter: 0 } });
    await bus.start();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 2 }]);
    rec = await Recorder.on(bus, [TOPICS.events]);
    const port = await freePort();
    ingest = new SolidIngest({ ds: w.store.ds, bus, client: w.client, verifier: new WebhookVerifier(), publicUrl: `http://localhost:${port}`, reconcileIntervalMs: 3_600_000 });
    // Stands in for the gateway's webhook route (solid.controller.ts): the same onWebhook call.
    server = createServer((req, res) => {
      const m = new RegExp(`^/${WEBHOOK_PATH}/([0-9a-f-]+)$`).exec(req.url ?? '');
      req.resume();
      if (req.method !== 'POST' || !m) return void res.writeHead(404).end();
      void ingest.onWebhook(m[1]!, { authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined }).then((a) => {
        answers.push(a.status);
        res.writeHead(a.status).end(a.reason ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    alice = await personWithGrant(w, 'alice');
    const link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, ingest });
    await link.link(alice.account.webId);
    podId = (await w.repo.byWebId(alice.account.webId))!.id;
  });
  after(async () => {
    await ingest?.stop();
    server?.close();
    await rec?.stop();
    await bus?.stop();
    await w?.close();
  });

  it('webhooks with a forged token, a proof for another URL, or no proof are refused with 401 and counted; an unknown pod with 404', async () => {
    const url = ingest.webhookUrl(podId);
    const key = DpopKey.generate();
    const before = await rejectedCount('solid', 'bad_webhook_token');
    const forged = await fetch(url, { method: 'POST', headers: { authorization: `DPoP ${key.proof('POST', url)}`, dpop: key.proof('POST', url) }, body: '{}' });
    assert.equal(forged.status, 401);
    assert.match(await forged.text(), /not by the pod’s server|no sender|signature/);
    const otherUrl = await fetch(url, { method: 'POST', headers: { authorization: `DPoP ${key.proof('POST', url)}`, dpop: key.proof('POST', `${url}/elsewhere`) }, body: '{}' });
    assert.equal(otherUrl.status, 401);
    const none = await fetch(url, { method: 'POST', body: '{}' });
    assert.equal(none.status, 401);
    assert.match(await none.text(), /no DPoP/);
    assert.equal(await rejectedCount('solid', 'bad_webhook_token'), before + 3);
    const unknownBefore = await rejectedCount('solid', 'unknown_pod');
    const unknown = await fetch(url.replace(podId, '00000000-0000-4000-8000-000000000000'), { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.equal(await rejectedCount('solid', 'unknown_pod'), unknownBefore + 1);
  });

  it('script is sanitized, private-address media are carried as links; deep and oversized resources are refused and counted; an honest post arrives', async () => {
    const deepBefore = await rejectedCount('solid', 'too_deep');
    const bigBefore = await rejectedCount('solid', 'too_large');
    const xss = await put('xss', note(SCRIPT_HTML, { mediaType: 'text/html', attachment: PRIVATE_URLS.map((url) => ({ type: 'Image', mediaType: 'image/png', url })) }));
    assert.ok(xss.ok, `${xss.status}`);
    // Stored as text so the pod server keeps the bytes as they are (it would parse JSON-LD itself).
    assert.ok((await put('deep', deeplyNestedJson(10_000), 'text/plain')).ok);
    assert.ok((await put('big', note(oversizedText(600_000)))).ok);
    assert.ok((await put('honest', note('an honest post after the hostile ones'))).ok);
    const honest = await waitFor(() => events((e) => e.source.id === `${alice.socialUrl}outbox/honest`)[0], { what: 'the honest post (verified webhook)', timeoutMs: 30_000 });
    assert.equal(honest.type, 'post.created');
    assert.ok(answers.includes(202), 'the pod server’s own notifications were verified');
    const x = await waitFor(() => events((e) => e.source.id === `${alice.socialUrl}outbox/xss`)[0], { what: 'the sanitized post', timeoutMs: 30_000 });
    assert.equal(activeContent(x.object!.html ?? ''), undefined, x.object!.html);
    assert.doesNotMatch(x.object!.text, /onerror|javascript:/);
    await waitFor(async () => (await rejectedCount('solid', 'too_deep')) > deepBefore && (await rejectedCount('solid', 'too_large')) > bigBefore, { what: 'the deep and the oversized resource to be refused', timeoutMs: 30_000 });
    assert.equal(events((e) => /outbox\/(deep|big)$/.test(e.source.id)).length, 0);
    const errors = await w.repo.errors(podId);
    assert.match(errors.find((e) => e.url.endsWith('/deep'))?.error ?? '', /nested deeper than 64/);
    assert.match(errors.find((e) => e.url.endsWith('/big'))?.error ?? '', /larger than|too large/i);
  });
});
