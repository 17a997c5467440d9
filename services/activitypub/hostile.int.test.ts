/**
 * Hostile input on the ActivityPub inbox, against the real adapter over HTTP (the body checks every
 * process uses, Postgres, the in-process bus) and an independent server (Fedify) as the honest
 * fediverse: forged, tampered, replayed and spoofed signatures, keys at private addresses (a second
 * adapter with the address guard on), oversized, 10,000-deep and non-UTF-8 bodies, script
 * injection, private-address media, and a flood from one actor. Each is refused or neutralised with
 * a reason and counted in pontis_rejected_input_total; afterwards an honest post still arrives, and
 * the flood does not hold it up.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Recorder } from '../../libs/adapter/testing.js';
import { MemoryBus } from '../../libs/bus/index.js';
import { coreTopics, TOPICS, type BridgeEvent } from '../../libs/events/index.js';
import { ActivityPubPeer, type ApUser } from '../../libs/harness/index.js';
import { rejectedCount } from '../../libs/observability/index.js';
import { countBodyRejection, jsonBodyOptions } from '../../libs/platform/json-body.js';
import { SecretBox } from '../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { activeContent, deeplyNestedJson, invalidUtf8Json, METADATA_URL, oversizedText, PRIVATE_URLS, SCRIPT_HTML, seedAccount, waitFor } from '../../libs/testing/index.js';
import { ActivityPubService, type ActivityPubServiceOptions } from './activitypub-service.js';
import { signRequest } from './federation/http-signature.js';

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;

/** The adapter mounted the way bootstrap mounts it: shared JSON body checks, body refusals counted and answered as JSON. */
async function serve(s: TestStore, bus: MemoryBus, opts: Partial<ActivityPubServiceOptions>): Promise<{ svc: ActivityPubService; server: Server; base: string }> {
  const app = express();
  app.use(express.json(jsonBodyOptions()));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const svc = new ActivityPubService({ ds: s.ds, box: new SecretBox(randomBytes(32)), bus, baseUrl: base, allowPrivateAddresses: true, ...opts });
  await svc.init();
  app.use(svc.router());
  app.use((err: Error & { status?: number }, req: Request, res: Response, _next: NextFunction) => {
    countBodyRejection(req.path, err);
    res.status(err.status ?? 500).json({ error: err.message });
  });
  return { svc, server, base };
}

describe('hostile input on the ActivityPub inbox', { timeout: 240_000 }, () => {
  let s: TestStore;
  let bus: MemoryBus;
  let peer: ActivityPubPeer;
  let rec: Recorder;
  let svc: ActivityPubService;
  let guarded: ActivityPubService;
  const servers: Server[] = [];
  let me: string;
  let carol: ApUser;
  let dave: ApUser;
  /** Requests that reached the "media server" on loopback: nothing may fetch it at ingest. */
  let mediaHits = 0;
  let mediaBase: string;

  const events = () => rec.json<BridgeEvent>(TOPICS.events);
  const inbox = () => `${me}/inbox`;
  const post = (body: string | Buffer, headers: Record<string, string>, url = inbox()) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/activity+json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const signedAsMe = async (body: string | Buffer, url = inbox()) => signRequest({ ...(await svc.actors.signing(me)), method: 'POST', url, body });
  /** Sends, expects `status` and an error naming the problem, and checks the counter moved by one. */
  const refused = async (what: string, reason: string, status: number, message: RegExp, send: () => Promise<globalThis.Response>) => {
    const before = await rejectedCount('activitypub', reason);
    const res = await send();
    const text = await res.text();
    assert.equal(res.status, status, `${what}: ${text}`);
    assert.match(text, message, what);
    assert.equal(await rejectedCount('activitypub', reason), before + 1, `${what}: counted as ${reason}`);
  };

  before(async () => {
    peer = new ActivityPubPeer();
    const [store] = await Promise.all([createTestStore(), peer.start()]);
    s = store;
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 2 })));
    rec = await Recorder.on(bus, [TOPICS.events]);
    // 20 at once, then one a second per actor: the flood below runs into it, nobody else does.
    const main = await serve(s, bus, { inboxRateLimit: { perMinute: 60, burst: 20 } });
    svc = main.svc;
    servers.push(main.server);
    // The same adapter with the address guard on (as deployed): keys and objects at private addresses are never fetched.
    const g = await serve(s, bus, { allowPrivateAddresses: false });
    guarded = g.svc;
    servers.push(g.server);
    const media = createServer((_req, res) => {
      mediaHits++;
      res.end('x');
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    servers.push(media);
    mediaBase = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: 'ef'.repeat(32), handle: 'hostile@nostr.example', kind: 'native' }]);
    me = (await svc.actors.ensure(account, { displayName: 'Target' })).id;
    carol = await peer.createUser(`carol${randomBytes(3).toString('hex')}`);
    dave = await peer.createUser(`dave${randomBytes(3).toString('hex')}`);
  });

  after(async () => {
    await svc?.stop();
    await guarded?.stop();
    await rec?.stop();
    await bus?.stop();
    for (const server of servers) server.close();
    await peer?.stop();
    await s?.drop();
  });

  it('unsigned, forged (another key), tampered (body changed after signing) and stale requests are refused with 401 and a reason', async () => {
    const body = JSON.stringify({ '@context': AS, id: `${carol.id}/h1`, type: 'Like', actor: carol.id, object: me });
    await refused('unsigned', 'unsigned', 401, /missing HTTP signature/, () => post(body, {}));
    const { privateKeyPem } = await svc.actors.signing(me);
    // Our key, claiming to be carol's: the real key fetched from Fedify does not verify it.
    const forged = signRequest({ keyId: `${carol.id}#main-key`, privateKeyPem, method: 'POST', url: inbox(), body });
    await refused('forged', 'bad_signature', 401, /signature does not verify/, () => post(body, forged));
    const mine = JSON.stringify({ '@context': AS, id: `${me}/h2`, type: 'Like', actor: me, object: me });
    const headers = await signedAsMe(mine);
    await refused('tampered', 'bad_digest', 401, /Digest does not match/, () => post(mine.replace('h2', 'h3'), headers));
    const stale = signRequest({ ...(await svc.actors.signing(me)), method: 'POST', url: inbox(), body: mine, date: new Date(Date.now() - 3 * 3_600_000) });
    await refused('stale', 'stale', 401, /Date outside the accepted window/, () => post(mine, stale));
  });

  it('a replayed signed request is refused the second time', async () => {
    const body = JSON.stringify({ '@context': AS, id: `${me}/replay`, type: 'Like', actor: me, object: me });
    const headers = await signedAsMe(body);
    assert.equal((await post(body, headers)).status, 202);
    await refused('replay', 'replay', 401, /replayed request/, () => post(body, headers));
  });

  it('a spoofed actor (valid signature by one actor on an activity of another) is refused with 403', async () => {
    const body = JSON.stringify({ '@context': AS, id: `${carol.id}/spoof`, type: 'Create', actor: carol.id, object: { id: `${carol.id}/spoof/note`, type: 'Note', attributedTo: carol.id, content: 'not carol', to: [PUBLIC] } });
    await refused('spoofed', 'spoofed_actor', 403, /belongs to .* not to the actor/, async () => post(body, await signedAsMe(body)));
    assert.ok(!events().some((e) => e.source.id === `${carol.id}/spoof/note`));
  });

  it('a note attributed to someone other than its signed actor is dropped and counted', async () => {
    const body = JSON.stringify({ '@context': AS, id: `${me}/misattributed`, type: 'Create', actor: me, object: { id: `${me}/misattributed/note`, type: 'Note', attributedTo: carol.id, content: 'words put in carol’s mouth', to: [PUBLIC] } });
    const before = await rejectedCount('activitypub', 'spoofed_actor');
    assert.equal((await post(body, await signedAsMe(body))).status, 202);
    assert.equal(await rejectedCount('activitypub', 'spoofed_actor'), before + 1);
    assert.ok(!events().some((e) => e.source.id === `${me}/misattributed/note`));
  });

  it('keys and objects at private addresses are never fetched by the guarded adapter (SSRF)', async () => {
    const target = `${(await guarded.actors.ensure(await seedAccount(s.ds, [{ network: 'nostr', id: 'fa'.repeat(32), kind: 'native' }]), { displayName: 'Guarded' })).id}/inbox`;
    const { privateKeyPem } = await svc.actors.signing(me);
    for (const keyHost of [METADATA_URL, 'http://10.1.2.3/actor', `${mediaBase}/actor`]) {
      const actor = new URL(keyHost).origin + '/actor';
      const body = JSON.stringify({ '@context': AS, id: `${actor}/a1`, type: 'Like', actor, object: target });
      const headers = signRequest({ keyId: `${actor}#main-key`, privateKeyPem, method: 'POST', url: target, body });
      const guardBefore = await rejectedCount('activitypub', 'private_address');
      await refused(`key at ${keyHost}`, 'key_unavailable', 401, /cannot get key .*private address/, () => post(body, headers, target));
      assert.equal(await rejectedCount('activitypub', 'private_address'), guardBefore + 1, 'the guard counted its refusal');
    }
    assert.equal(mediaHits, 0, 'nothing was fetched from loopback');
  });

  it('oversized, 10,000-deep and non-UTF-8 bodies are refused before parsing, even when well signed', async () => {
    const big = JSON.stringify({ '@context': AS, id: `${me}/big`, type: 'Create', actor: me, object: { type: 'Note', content: oversizedText(1_100_000) } });
    await refused('oversized', 'too_large', 413, /too large/i, async () => post(big, await signedAsMe(big)));
    const deep = deeplyNestedJson(10_000);
    await refused('deep', 'too_deep', 400, /nested deeper than 64/, async () => post(deep, await signedAsMe(deep)));
    const bad = invalidUtf8Json({ '@context': AS, id: `${me}/utf8`, type: 'Note', actor: me });
    await refused('invalid UTF-8', 'invalid_utf8', 400, /not valid UTF-8/, async () => post(bad, await signedAsMe(bad)));
    // Under the body limit but over the mapper's HTML limit: accepted for delivery, never bridged, counted.
    const long = JSON.stringify({ '@context': AS, id: `${me}/long`, type: 'Create', actor: me, object: { id: `${me}/long/note`, type: 'Note', attributedTo: me, content: `<p>${oversizedText(300_000)}</p>`, to: [PUBLIC] } });
    const before = await rejectedCount('activitypub', 'too_large');
    assert.equal((await post(long, await signedAsMe(long))).status, 202);
    assert.equal(await rejectedCount('activitypub', 'too_large'), before + 1);
    assert.ok(!events().some((e) => e.source.id === `${me}/long/note`));
  });

  it('script, event handlers and javascript: links are removed; private-address media are carried as links, never fetched at ingest', async () => {
    const noteId = `${carol.id}/notes/xss-${randomBytes(3).toString('hex')}`;
    await peer.send({
      from: carol.name,
      to: me,
      activity: {
        type: 'Create',
        to: [PUBLIC],
        object: {
          id: noteId,
          type: 'Note',
          attributedTo: carol.id,
          to: [PUBLIC],
          content: SCRIPT_HTML,
          attachment: [...PRIVATE_URLS, `${mediaBase}/pic.png`].map((url) => ({ type: 'Image', mediaType: 'image/png', url })),
        },
      },
    });
    const ev = await waitFor(() => events().find((e) => e.source.id === noteId), { what: 'the sanitized post', timeoutMs: 20_000 });
    assert.equal(activeContent(ev.object!.html ?? ''), undefined, ev.object!.html);
    assert.doesNotMatch(ev.object!.text, /alert\(1\)|onerror/);
    assert.ok(ev.object!.text.includes('hello'));
    assert.equal(mediaHits, 0, 'ingest fetched no attachment');
  });

  it('a flood from one actor gets 429 past its allowance (counted); another actor’s post still arrives, not held up', async () => {
    const honest = async (label: string) => {
      const t = performance.now();
      const { noteId } = await peer.createNote(dave.name, { content: `honest ${label}`, to: [me] });
      await waitFor(() => events().some((e) => e.source.id === noteId), { what: `dave's ${label} post`, timeoutMs: 30_000, intervalMs: 10 });
      return performance.now() - t;
    };
    await honest('warm-up'); // the first delivery from a new sender pays for key fetches on both sides
    const quiet = await honest('quiet');
    const before = await rejectedCount('activitypub', 'rate_limited');
    // Signed beforehand: the flood's cost is the adapter's, not this process signing 150 requests.
    const signer = await svc.actors.signing(me);
    const requests = Array.from({ length: 150 }, (_, i) => {
      const body = JSON.stringify({ '@context': AS, id: `${me}/flood/${randomBytes(4).toString('hex')}-${i}`, type: 'Like', actor: me, object: me });
      return { body, headers: signRequest({ ...signer, method: 'POST', url: inbox(), body }) };
    });
    const flood = () => Promise.all(requests.map(async (r) => (await post(r.body, r.headers)).status));
    const [statuses, during] = await Promise.all([flood(), honest('during the flood')]);
    const limited = statuses.filter((x) => x === 429).length;
    assert.ok(limited >= 150 - 20 - 5, `the flood was limited: ${limited} of 150 got 429`);
    assert.equal(statuses.filter((x) => x !== 202 && x !== 429).length, 0, statuses.join(','));
    assert.equal(await rejectedCount('activitypub', 'rate_limited'), before + limited);
    const ratio = during / Math.max(1, quiet);
    process.stdout.write(`# honest post: ${quiet.toFixed(0)} ms quiet, ${during.toFixed(0)} ms during the flood (x${ratio.toFixed(2)})\n`);
    assert.ok(ratio < 10, `the honest post took ${ratio.toFixed(1)}x as long during the flood`);
  });

  it('after the hostile batch an honest post from the fediverse still becomes an event', async () => {
    const { noteId } = await peer.createNote(carol.name, { content: 'still here', to: [me] });
    const ev = await waitFor(() => events().find((e) => e.source.id === noteId), { what: 'the honest post', timeoutMs: 20_000 });
    assert.equal(ev.actor.id, carol.id);
    assert.equal(ev.object!.text.trim(), 'still here');
  });
});
