/**
 * Hostile input on the AT Protocol firehose, against the real PDS + PLC (dev-env, child process),
 * the real ingest, Postgres and the in-process bus: facets whose byte offsets are out of range,
 * backwards or split a character, script as text, an oversized record, a profile whose avatar blob
 * points nowhere. Bad facets are dropped (the post bridges without them), each counted as
 * pontis_rejected_input_total{network="atproto",reason="bad_facet"}; invalid records are refused and
 * counted; an honest post still arrives afterwards; a repo flooding commits past the per-repo limit
 * has the excess skipped and counted as reason="flood" while another repo is not slowed. (A commit
 * whose signature the DID does not vouch for: ingest/firehose-ingest.int.test.ts, counted as
 * reason="bad_commit".)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AtpAgent } from '@atproto/api';
import { Recorder } from '../../libs/adapter/testing.js';
import { MemoryBus } from '../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../libs/events/index.js';
import { AtprotoPeer, type AtprotoAccount } from '../../libs/harness/index.js';
import { rejectedCount, type Logger } from '../../libs/observability/index.js';
import { getCursor } from '../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { activeContent, badFacets, oversizedText, SCRIPT_TEXT, seedAccount, waitFor } from '../../libs/testing/index.js';
import { FirehoseIngest } from './ingest/firehose-ingest.js';

const POST = 'app.bsky.feed.post';

describe('hostile input on the AT Protocol firehose (real PDS + PLC)', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: AtprotoPeer;
  let bus: MemoryBus;
  let rec: Recorder;
  let ingest: FirehoseIngest;
  let eve: AtprotoAccount;
  let agent: AtpAgent;
  let pdsUrl: string;

  const events = () => rec.json<BridgeEvent>(TOPICS.events);
  const post = async (text: string, extra: Record<string, unknown> = {}, validate = true) =>
    (await agent.com.atproto.repo.createRecord({ repo: eve.did, collection: POST, validate, record: { $type: POST, text, createdAt: new Date().toISOString(), ...extra } })).data;
  const eventOf = (uri: string) => waitFor(() => events().find((e) => e.source.id === uri), { what: `the event of ${uri}`, timeoutMs: 20_000 });

  before(async () => {
    s = await createTestStore();
    peer = new AtprotoPeer();
    const info = await peer.start();
    pdsUrl = info.pdsUrl;
    eve = await peer.createAccount({ handle: 'eve-hostile.test', email: 'eve@hostile.example', password: 'eve-pass-123' });
    agent = await peer.login(eve.handle, eve.password);
    await seedAccount(s.ds, [{ network: 'atproto', id: eve.did, handle: eve.handle, kind: 'native' }]);
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 2 }]);
    rec = await Recorder.on(bus, [TOPICS.events]);
    ingest = new FirehoseIngest({
      bus,
      ds: s.ds,
      service: pdsUrl.replace(/^http/, 'ws'),
      plcUrl: info.plcUrl,
      blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`,
      cursorName: 'atproto.firehose:hostile',
      watchRefreshMs: 200,
      allowPrivateAddresses: false,
      pdsUrl,
    });
    await ingest.start();
  });

  after(async () => {
    await ingest?.stop().catch(() => undefined);
    await rec?.stop();
    await bus?.stop();
    await peer?.stop();
    await s?.drop();
  });

  it('facets out of range, backwards or inside a character are dropped and counted; the good one stays on the right characters', async () => {
    const text = 'see 😀 https://ok.example now';
    const good = { index: { byteStart: Buffer.byteLength('see 😀 '), byteEnd: Buffer.byteLength('see 😀 https://ok.example') }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://ok.example' }] };
    const bad = badFacets(text);
    assert.equal(bad.length, 3);
    const before = await rejectedCount('atproto', 'bad_facet');
    const p = await post(text, { facets: [...bad, good] });
    const ev = await eventOf(p.uri);
    assert.deepEqual(ev.object!.facets.map((f) => ({ kind: f.kind, text: ev.object!.text.slice(f.start, f.end) })), [{ kind: 'link', text: 'https://ok.example' }]);
    assert.equal(await rejectedCount('atproto', 'bad_facet'), before + 3);
  });

  it('script in a post stays text: nothing in the event would run as markup', async () => {
    const p = await post(SCRIPT_TEXT);
    const ev = await eventOf(p.uri);
    assert.equal(ev.object!.text, SCRIPT_TEXT);
    assert.equal(activeContent(ev.object!.html ?? ''), undefined, ev.object!.html);
  });

  it('an oversized record (stored by a PDS that skips validation) is refused and counted; nothing is published for it', async () => {
    const before = await rejectedCount('atproto', 'invalid_record');
    const huge = await post(oversizedText(100_000), {}, false);
    const next = await post('after the oversized one');
    await eventOf(next.uri);
    await ingest.drain();
    assert.ok(!events().some((e) => e.source.id === huge.uri));
    assert.equal(await rejectedCount('atproto', 'invalid_record'), before + 1);
  });

  it('a profile whose avatar blob points nowhere is refused by the PDS before it reaches any firehose', async () => {
    const nowhere = { $type: 'blob', ref: { $link: 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' }, mimeType: 'image/png', size: 1234 };
    await assert.rejects(
      agent.com.atproto.repo.putRecord({ repo: eve.did, collection: 'app.bsky.actor.profile', rkey: 'self', validate: false, record: { $type: 'app.bsky.actor.profile', displayName: 'Eve', avatar: nowhere } }),
      /Could not find blob/,
    );
    // A blob URL we build always names our configured PDS, never a host from the record (mapping: ctx.blobUrl).
  });

  it('after the hostile batch an honest post still arrives', async () => {
    const p = await post('honest post after the hostile batch');
    const ev = await eventOf(p.uri);
    assert.equal(ev.object!.text, 'honest post after the hostile batch');
  });

  it('a repo flooding commits past the per-repo limit: the excess is skipped, counted, logged once; another repo is not slowed; the cursor moves on', async () => {
    const frank = await peer.createAccount({ handle: 'frank-hostile.test', email: 'frank@hostile.example', password: 'frank-pass-123' });
    const frankAgent = await peer.login(frank.handle, frank.password);
    await seedAccount(s.ds, [{ network: 'atproto', id: frank.did, handle: frank.handle, kind: 'native' }]);
    // Its own ingest, bus and cursor, with a limit a test can reach: 5 at once, then ≈1 per 1000 minutes.
    const floodBus = new MemoryBus();
    await floodBus.start();
    await floodBus.ensureTopics([{ topic: TOPICS.events, partitions: 2 }]);
    const floodRec = await Recorder.on(floodBus, [TOPICS.events]);
    const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
    const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (msg, fields) => void warnings.push({ msg, fields }) };
    const cursorName = 'atproto.firehose:flood';
    const flooded = new FirehoseIngest({
      bus: floodBus,
      ds: s.ds,
      service: pdsUrl.replace(/^http/, 'ws'),
      plcUrl: peer.info!.plcUrl,
      blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`,
      cursorName,
      pdsUrl,
      logger,
      floodLimit: { perMinute: 0.001, burst: 5 },
    });
    await flooded.start();
    try {
      const floodEvents = () => floodRec.json<BridgeEvent>(TOPICS.events);
      const before = await rejectedCount('atproto', 'flood');
      const eves: string[] = [];
      const franks: string[] = [];
      // Eve writes 20 commits as fast as the PDS takes them; Frank writes 3 meanwhile, at a person's pace.
      await Promise.all([
        (async () => {
          for (let i = 0; i < 20; i++) eves.push((await post(`flood ${i}`)).uri);
        })(),
        (async () => {
          for (let i = 0; i < 3; i++) franks.push((await frankAgent.com.atproto.repo.createRecord({ repo: frank.did, collection: POST, record: { $type: POST, text: `calm ${i}`, createdAt: new Date().toISOString() } })).data.uri);
        })(),
      ]);
      const marker = (await frankAgent.com.atproto.repo.createRecord({ repo: frank.did, collection: POST, record: { $type: POST, text: 'after the flood', createdAt: new Date().toISOString() } })).data.uri;
      await waitFor(() => floodEvents().some((e) => e.source.id === marker), { what: 'Frank’s post after the flood', timeoutMs: 30_000 });
      await flooded.drain();
      const bySource = (did: string) => floodEvents().filter((e) => e.actor.id === did).map((e) => e.source.id);
      assert.deepEqual(bySource(frank.did), [...franks, marker], 'the other repo: every post, in order');
      assert.deepEqual(bySource(eve.did), eves.slice(0, 5), 'the flooding repo: its burst, then nothing');
      assert.equal(await rejectedCount('atproto', 'flood'), before + 15);
      const lines = warnings.filter((w) => /flood limit/.test(w.msg));
      assert.equal(lines.length, 1, 'one log line for the window, not one per commit');
      assert.equal(lines[0]!.fields?.did, eve.did);
      // The skipped commits were passed over, not held: this ingest's cursor reaches the head of the
      // stream as the unlimited one's does, and is saved there.
      await ingest.drain();
      await waitFor(async () => flooded.position() !== undefined && flooded.position() === ingest.position() && Number(await getCursor(s.ds, cursorName)) === flooded.position(), { what: 'the cursor saved at the head, past the skipped commits', timeoutMs: 10_000 });
      assert.equal(flooded.queued().now, 0);
    } finally {
      await flooded.stop();
      await floodRec.stop();
      await floodBus.stop();
    }
  });
});
