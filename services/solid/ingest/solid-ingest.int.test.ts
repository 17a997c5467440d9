import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Recorder } from '../../../libs/adapter/testing.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { TOPICS, validateEvent, type BridgeEvent } from '../../../libs/events/index.js';
import { freePort } from '../../../libs/harness/index.js';
import { waitFor } from '../../../libs/testing/index.js';
import { SolidLinkService } from '../identity/index.js';
import { AS2_CONTEXT } from '../mapping/index.js';
import { DpopKey, PodClient } from '../pod/index.js';
import { grant, personWithGrant, revoke, startWorld, type SolidWorld } from '../test-support.js';
import { SolidIngest, WEBHOOK_PATH } from './solid-ingest.js';
import { WebhookVerifier } from './webhook-verifier.js';

// A real Community Solid Server (child process), Postgres, the in-process bus, and a local HTTP
// endpoint standing in for the gateway's webhook route.

describe('Solid ingest: webhooks, reconciliation, linking (real CSS)', { timeout: 240_000 }, () => {
  let w: SolidWorld;
  let bus: MemoryBus;
  let rec: Recorder;
  let ingest: SolidIngest;
  let link: SolidLinkService;
  let server: Server;
  let publicUrl: string;
  const webhookAnswers: number[] = [];
  let alice: Awaited<ReturnType<typeof personWithGrant>>;
  /** Every request the ingest made to the pod server, `METHOD url`. */
  const requests: string[] = [];
  /** Until the ingest has made no request for 3 s (the settle pass after a notification is over). */
  const quiet = async () => {
    for (let n = -1; n !== requests.length; ) {
      n = requests.length;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  };

  const events = (pred: (e: BridgeEvent) => boolean) => rec.json<BridgeEvent>(TOPICS.events).filter(pred);
  const note = (webId: string, text: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: webId, content: text, mediaType: 'text/plain', to: ['https://www.w3.org/ns/activitystreams#Public'], published: new Date().toISOString(), ...extra });

  before(async () => {
    w = await startWorld();
    bus = new MemoryBus({ backoff: { baseMs: 20, maxMs: 200, jitter: 0 } });
    await bus.start();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 2 }]);
    rec = await Recorder.on(bus, [TOPICS.events]);
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    const counting = new PodClient({
      fetch: (url: string, init?: RequestInit & { timeoutMs?: number }) => {
        requests.push(`${init?.method ?? 'GET'} ${url}`);
        return w.session.fetch(url, init);
      },
    });
    ingest = new SolidIngest({ ds: w.store.ds, bus, client: counting, verifier: new WebhookVerifier(), publicUrl, reconcileIntervalMs: 3_600_000 });
    server = createServer((req, res) => {
      const m = new RegExp(`^/${WEBHOOK_PATH}/([0-9a-f-]+)$`).exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return void (req.resume(), res.writeHead(404).end());
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        void ingest.onWebhook(m[1]!, { authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined }, body).then((a) => {
          webhookAnswers.push(a.status);
          res.writeHead(a.status).end(a.reason ?? '');
        });
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, ingest });
  });
  after(async () => {
    await ingest?.stop();
    server?.close();
    await rec?.stop();
    await bus?.stop();
    await w?.close();
  });

  it('linking needs the grant: without it a clear 403 naming the bridge’s WebID, with it the account is opted in', async () => {
    const bob = await w.peer.createAccount({ email: 'bob@example.org', password: 'pw pw pw pw' });
    await assert.rejects(link.link(bob.webId), (e: Error & { status?: number }) => e.status === 403 && e.message.includes(w.bridgeWebId));
    alice = await personWithGrant(w, 'alice');
    // Something already in the pod before linking is recorded, not bridged.
    await alice.personal.fetch(`${alice.socialUrl}outbox/old`, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(alice.account.webId, 'old post') });
    const r = await link.link(alice.account.webId);
    assert.equal(r.socialUrl, alice.socialUrl);
    assert.ok(r.watching);
    const [acct] = await w.store.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [r.accountId]);
    assert.equal(acct.consent, 'opted_in');
    const pod = await w.repo.byWebId(alice.account.webId);
    assert.equal(pod!.channels.length, 3, 'one webhook channel per watched container, and one on the WebID profile');
    assert.equal(events(() => true).length, 0);
  });

  it('a post, an edit and a delete in the pod arrive through verified webhooks as events', async () => {
    const pod = (await w.repo.linked())[0]!;
    const url = `${pod.socialUrl}outbox/p1`;
    await alice.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'hello from my pod') });
    const [created] = await waitFor(() => { const e = events((e) => e.type === 'post.created' && e.source.id === url); return e.length ? e : undefined; }, { what: 'post.created', timeoutMs: 20_000 });
    validateEvent(created);
    assert.equal(created!.object!.text, 'hello from my pod');
    assert.equal(created!.actor.id, pod.webId);
    assert.ok(webhookAnswers.includes(202), 'the pod server’s webhook was verified');
    await alice.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'hello, edited') });
    // A change inside a member is not a change of the container (no container notification): the reconciliation finds it by its ETag.
    await ingest.reconcileAll();
    await waitFor(() => events((e) => e.type === 'post.updated' && e.target?.id === url).length > 0, { what: 'post.updated', timeoutMs: 20_000 });
    await alice.personal.fetch(url, { method: 'DELETE' });
    await waitFor(() => events((e) => e.type === 'post.deleted' && e.target?.id === url).length > 0, { what: 'post.deleted', timeoutMs: 20_000 });
    assert.equal(events((e) => e.source.id === `${pod.socialUrl}outbox/old`).length, 0);
  });

  it('a notification naming one member reads that member alone, however full the outbox', async () => {
    const pod = (await w.repo.linked())[0]!;
    for (let i = 0; i < 5; i++) await alice.personal.fetch(`${pod.socialUrl}outbox/filler${i}`, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, `filler ${i}`) });
    await waitFor(() => events((e) => e.type === 'post.created' && e.source.id === `${pod.socialUrl}outbox/filler4`).length > 0, { what: 'the fillers', timeoutMs: 20_000 });
    await quiet();
    requests.length = 0;
    const url = `${pod.socialUrl}outbox/one`;
    await alice.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'just this one') });
    await waitFor(() => events((e) => e.type === 'post.created' && e.source.id === url).length > 0, { what: 'post.created', timeoutMs: 20_000 });
    await quiet(); // and the settle pass of this one
    assert.deepEqual(requests, [`GET ${url}`, `GET ${url}`], 'the member, then once more a moment later (a 304): no listing, no other member');
    assert.equal(events((e) => e.source.id === url).length, 1, 'bridged once');
  });

  it('a full pass reads the listings and the profile, and only the members whose listed time moved', async () => {
    const pod = (await w.repo.linked())[0]!;
    await ingest.reconcileAll(); // members read by notification passes get their listed time recorded here
    requests.length = 0;
    await ingest.reconcileAll();
    assert.deepEqual(requests.filter((r) => !r.startsWith('POST')).sort(), [`GET ${pod.socialUrl}inbox/`, `GET ${pod.socialUrl}outbox/`, `GET ${pod.webId.replace(/#.*$/, '')}`].sort());
    const url = `${pod.socialUrl}outbox/filler2`;
    await alice.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'filler, edited') });
    requests.length = 0;
    await ingest.reconcileAll();
    assert.deepEqual(requests.filter((r) => r.startsWith('GET') && r.includes('/outbox/filler')), [`GET ${url}`]);
    await waitFor(() => events((e) => e.type === 'post.updated' && e.target?.id === url && e.object?.text === 'filler, edited').length > 0, { what: 'post.updated', timeoutMs: 5_000 });
  });

  it('the periodic pass keeps running: an edit no channel reports is found without anyone asking', async () => {
    const pod = (await w.repo.linked())[0]!;
    const url = `${pod.socialUrl}outbox/p2`;
    await alice.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'before the edit') });
    await waitFor(() => events((e) => e.type === 'post.created' && e.source.id === url).length > 0, { what: 'post.created', timeoutMs: 20_000 });
    const periodic = new SolidIngest({ ds: w.store.ds, bus, client: w.client, verifier: new WebhookVerifier(), publicUrl, reconcileIntervalMs: 300 });
    await periodic.start();
    try {
      // After its first pass: only a later one can see the edit.
      await waitFor(() => periodic.health().detail.includes('last reconciled'), { what: 'the first pass', timeoutMs: 20_000 });
      await alice.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'after the edit') });
      await waitFor(() => events((e) => e.type === 'post.updated' && e.target?.id === url && e.object?.text === 'after the edit').length > 0, { what: 'post.updated from a later pass', timeoutMs: 20_000 });
    } finally {
      await periodic.stop();
    }
  });

  it('a reply and a like left in the inbox by someone else become events by that actor', async () => {
    const pod = (await w.repo.linked())[0]!;
    const carol = 'http://localhost:1/carol/profile/card#me';
    await alice.personal.fetch(`${pod.socialUrl}inbox/like1`, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: JSON.stringify({ '@context': AS2_CONTEXT, type: 'Like', actor: carol, object: `${pod.socialUrl}outbox/p0` }) });
    const like = await waitFor(() => events((e) => e.type === 'reaction.added' && e.actor.id === carol)[0], { what: 'reaction.added', timeoutMs: 20_000 });
    assert.equal(like.target!.id, `${pod.socialUrl}outbox/p0`);
  });

  it('a change of name in the WebID profile becomes profile.updated', async () => {
    const pod = (await w.repo.linked())[0]!;
    const patch = `@prefix solid: <http://www.w3.org/ns/solid/terms#>.
_:p a solid:InsertDeletePatch; solid:inserts { <${pod.webId}> <http://xmlns.com/foaf/0.1/name> "Alice of the Pod". }.`;
    const res = await alice.personal.fetch(pod.webId.replace(/#.*$/, ''), { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch });
    assert.ok(res.ok, `PATCH ${res.status}`);
    const e = await waitFor(() => events((e) => e.type === 'profile.updated')[0], { what: 'profile.updated', timeoutMs: 20_000 });
    validateEvent(e);
    assert.equal(e.profile!.displayName, 'Alice of the Pod');
    assert.equal(e.actor.id, pod.webId);
  });

  it('a forged webhook is refused with the reason and triggers nothing', async () => {
    const pod = (await w.repo.linked())[0]!;
    const key = DpopKey.generate();
    const fake = key.proof('POST', ingest.webhookUrl(pod.id)); // any JWT-shaped token signed by us, not by the pod server
    const res = await fetch(ingest.webhookUrl(pod.id), { method: 'POST', headers: { authorization: `DPoP ${fake}`, dpop: key.proof('POST', ingest.webhookUrl(pod.id)), 'content-type': 'application/ld+json' }, body: '{}' });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /not by the pod’s server|no sender|signature/);
    const none = await fetch(ingest.webhookUrl(pod.id), { method: 'POST', body: '{}' });
    assert.equal(none.status, 401);
  });

  it('a notification that never arrives is caught by reconciliation; a malformed body is reported and the rest goes on', async () => {
    const pod = (await w.repo.linked())[0]!;
    server.close(); // the bridge is "down": notifications are lost
    await new Promise((r) => setTimeout(r, 200));
    await alice.personal.fetch(`${pod.socialUrl}outbox/missed`, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'posted while the bridge was down') });
    await alice.personal.fetch(`${pod.socialUrl}outbox/broken`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: '{"@context": "https://www.w3.org/ns/activitystreams", "type": "Note", ' });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(events((e) => e.source.id === `${pod.socialUrl}outbox/missed`).length, 0);
    await ingest.reconcileAll();
    assert.equal(events((e) => e.type === 'post.created' && e.source.id === `${pod.socialUrl}outbox/missed`).length, 1, JSON.stringify(await w.repo.byId(pod.id)));
    const errors = await w.repo.errors(pod.id);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.url, `${pod.socialUrl}outbox/broken`);
    assert.match(errors[0]!.error, /malformed JSON/);
    await ingest.reconcileAll();
    assert.equal(events((e) => e.source.id === `${pod.socialUrl}outbox/missed`).length, 1, 'seen once, bridged once');
  });

  it('a pod that revokes the bridge’s access: clear error on the pod, nothing recorded is lost, re-granting resumes', async () => {
    const pod = (await w.repo.linked())[0]!;
    const before = await w.repo.counts(pod.id);
    await revoke(alice.personal, pod.socialUrl, pod.webId);
    await ingest.reconcileAll();
    const revoked = await w.repo.byId(pod.id);
    assert.equal(revoked!.access, 'revoked');
    assert.match(revoked!.lastError!, /no longer grants the bridge's WebID access/);
    assert.deepEqual(await w.repo.counts(pod.id), before, 'what was seen stays recorded');
    await alice.personal.fetch(`${pod.socialUrl}outbox/during`, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: note(pod.webId, 'written while revoked') });
    await grant(alice.personal, pod.socialUrl, pod.webId, w.bridgeWebId);
    await ingest.reconcileAll();
    assert.equal((await w.repo.byId(pod.id))!.access, 'ok');
    assert.equal(events((e) => e.source.id === `${pod.socialUrl}outbox/during`).length, 1);
    assert.equal(events((e) => e.type === 'post.deleted').length, 1, 'no phantom deletions from the revoked period');
  });

});
