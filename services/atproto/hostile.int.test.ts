/**
 * Hostile input on the AT Protocol firehose, against the real PDS + PLC (dev-env, child process),
 * the real ingest, Postgres and the in-process bus: facets whose byte offsets are out of range,
 * backwards or split a character, script as text, an oversized record, a profile whose avatar blob
 * points nowhere. Bad facets are dropped (the post bridges without them), each counted as
 * pontis_rejected_input_total{network="atproto",reason="bad_facet"}; invalid records are refused and
 * counted; an honest post still arrives afterwards. (A commit whose signature the DID does not vouch
 * for: ingest/firehose-ingest.int.test.ts, counted as reason="bad_commit".)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AtpAgent } from '@atproto/api';
import { Recorder } from '../../libs/adapter/testing.js';
import { MemoryBus } from '../../libs/bus/index.js';
import { TOPICS, type BridgeEvent } from '../../libs/events/index.js';
import { AtprotoPeer, type AtprotoAccount } from '../../libs/harness/index.js';
import { rejectedCount } from '../../libs/observability/index.js';
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
});
