/**
 * Hostile input on Nostr ingest, against the real ingest over WebSocket (real Postgres, the
 * in-process bus) and a hostile relay written here (a `ws` server: a real relay refuses forgeries,
 * which is the point of testing ours): bad signatures, an event altered under its old id, a profile
 * whose picture and NIP-05 are at private addresses, oversized content, too many and nested tags,
 * a text frame that is not UTF-8, script as text, and a flood from one key. Each is refused or
 * neutralised with a reason counted in pontis_rejected_input_total{network="nostr"}; another
 * author's note on the same relay still arrives, and the flood does not hold it up beyond the cost
 * of checking the flood's signatures.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../libs/bus/index.js';
import { TOPICS, validateEvent, type BridgeEvent } from '../../libs/events/index.js';
import { rejectedCount } from '../../libs/observability/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { activeContent, METADATA_URL, oversizedText, SCRIPT_TEXT, seedAccount, waitFor } from '../../libs/testing/index.js';
import { NostrIngest, type NostrIngestOptions } from './ingest/nostr-ingest.js';
import { scriptedRelay } from './ingest/scripted-relay.js';
import { copy, newKey, signed, type TestKey } from './ingest/test-events.js';
import type { NostrEvent } from './mapping/index.js';

const FAST = { baseMs: 50, maxMs: 400, jitter: 0 };
const quietLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Answers each author REQ with `frames()`: an event, a raw string, or raw bytes in which "SUB"
 * stands for the subscription id.
 */
function hostileRelay(frames: () => (NostrEvent | string | Buffer)[]) {
  return scriptedRelay((sub) =>
    sub.startsWith('a0:')
      ? frames().map((f) => (Buffer.isBuffer(f) ? Buffer.from(f.toString('latin1').replace('"SUB"', JSON.stringify(sub)), 'latin1') : typeof f === 'string' ? f : ['EVENT', sub, f]))
      : [],
  );
}

describe('hostile input on Nostr ingest', { timeout: 180_000 }, () => {
  let store: TestStore;
  let bus: MemoryBus;
  const seen: BridgeEvent[] = [];
  const alice = newKey();
  const mallory = newKey();
  let media: Server;
  let mediaBase: string;
  let mediaHits = 0;

  const ingest = (relays: string[], extra: Partial<NostrIngestOptions> = {}) =>
    new NostrIngest({ bus, ds: store.ds, readRelays: relays, backoff: FAST, cursorFlushMs: 100, logger: quietLogger, discoverRelays: false, ...extra });
  const arrived = (id: string) => seen.some((e) => e.id === id);
  const note = (key: TestKey, content: string, extra: { tags?: string[][]; created_at?: number } = {}) => signed(key, { kind: 1, content, ...extra });

  before(async () => {
    store = await createTestStore();
    bus = new MemoryBus();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 4 }]);
    await bus.subscribe({
      groupId: 'hostile-collector',
      topics: [TOPICS.events],
      handleBatch: async (msgs) => {
        for (const m of msgs) seen.push(validateEvent(JSON.parse(m.value.toString('utf8'))));
      },
    });
    // Both opted in: mallory's events match our filters, so only the checks below stand between them and the bus.
    await seedAccount(store.ds, [{ network: 'nostr', id: alice.pk, kind: 'native' }], { consent: 'opted_in' });
    await seedAccount(store.ds, [{ network: 'nostr', id: mallory.pk, kind: 'native' }], { consent: 'opted_in' });
    media = createServer((_req, res) => {
      mediaHits++;
      res.end('{}');
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    mediaBase = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  });

  after(async () => {
    await bus.stop();
    media?.close();
    await store.drop();
  });

  it('forged, altered, oversized, over-tagged, non-UTF-8 and script input: refused or neutralised, counted, and an honest note still arrives', async () => {
    const genuine = note(alice, 'honest note after the hostile batch');
    const forgedSig = copy(note(mallory, 'forged signature'));
    forgedSig.sig = (forgedSig.sig[0] === 'a' ? 'b' : 'a') + forgedSig.sig.slice(1);
    const altered = copy(note(mallory, 'original words'));
    altered.content = 'words put in their mouth'; // same id and signature: the id no longer matches
    const huge = note(mallory, oversizedText(200_000));
    const manyTags = note(mallory, 'tag bomb', { tags: Array.from({ length: 3000 }, (_, i) => ['t', `tag${i}`]) });
    const nestedTags = copy(note(mallory, 'nested tags')) as unknown as Record<string, unknown>;
    nestedTags.tags = [['e', ['deeper', ['and deeper']]]];
    const script = note(alice, SCRIPT_TEXT);
    const profile = signed(alice, {
      kind: 0,
      content: JSON.stringify({ name: 'alice', picture: METADATA_URL, banner: `${mediaBase}/banner.png`, nip05: `alice@${new URL(mediaBase).host}` }),
    });
    // Invalid UTF-8 in a text frame: Node's WebSocket client (undici) fails the connection (1006,
    // with no reason it exposes), so it cannot be counted by reason; the subscription reconnects
    // with backoff and the relay's other events still come. Sent on the first connection only.
    const utf8Victim = note(mallory, 'bad bytes: XX here');
    const badUtf8 = Buffer.from(JSON.stringify(['EVENT', 'SUB', utf8Victim]));
    const at = badUtf8.indexOf('XX');
    badUtf8[at] = 0xc3;
    badUtf8[at + 1] = 0x28;
    let connections = 0;
    const relay = await hostileRelay(() => (++connections === 1 ? [badUtf8] : [forgedSig, altered, huge, manyTags, nestedTags as unknown as NostrEvent, script, profile, genuine]));
    const reasons = ['bad_signature', 'bad_id', 'too_large', 'malformed'];
    const before = Object.fromEntries(await Promise.all(reasons.map(async (r) => [r, await rejectedCount('nostr', r)] as const)));
    const ing = ingest([relay.url]);
    try {
      await ing.start();
      await waitFor(() => arrived(`nostr:${genuine.id}`), { what: 'the honest note', timeoutMs: 20_000 });
      const delta = async (r: string) => (await rejectedCount('nostr', r)) - before[r]!;
      assert.equal(await delta('bad_signature'), 1, 'bad signature');
      assert.equal(await delta('bad_id'), 1, 'altered under its old id');
      assert.ok(connections >= 2, 'the relay was reconnected after the non-UTF-8 frame');
      assert.equal(await delta('too_large'), 2, 'huge content and 3000 tags');
      assert.equal(await delta('malformed'), 1, 'nested tags');
      for (const bad of [forgedSig, altered, huge, manyTags, utf8Victim]) assert.ok(!seen.some((e) => e.source.id === bad.id), `${bad.content.slice(0, 20)} produced no event`);
      const xss = seen.find((e) => e.id === `nostr:${script.id}`);
      assert.ok(xss, 'the script note is bridged as text');
      assert.equal(xss.object!.text, SCRIPT_TEXT, 'kept as text, not interpreted');
      assert.equal(activeContent(xss.object!.html ?? ''), undefined, xss.object!.html);
      const prof = await waitFor(() => seen.find((e) => e.type === 'profile.updated' && e.actor.id === alice.pk), { what: 'the profile', timeoutMs: 10_000 });
      assert.ok(prof);
      assert.equal(mediaHits, 0, 'nothing was fetched from a private address (picture, banner, NIP-05)');
    } finally {
      await ing.stop();
      await relay.close();
    }
  });

  it("a flood from one key is cut at its allowance (counted); another author's note on the same relay is not held up by it", async () => {
    // Every flood event still costs one signature check (a key is only known to be the sender once
    // it verifies; limiting on the claimed key would let a forger spend someone else's allowance),
    // so the honest note waits for that, and only that.
    const FLOOD = 600;
    const run = async (limit: NostrIngestOptions['perAuthorLimit']) => {
      const t0 = Math.floor(Date.now() / 1000);
      const flood = Array.from({ length: FLOOD }, (_, i) => note(mallory, `spam ${i} ${Math.random()}`, { created_at: t0 - 1 }));
      const honest = note(alice, `honest ${Math.random()}`, { created_at: t0 });
      const relay = await hostileRelay(() => [...flood, honest]);
      const ing = ingest([relay.url], limit ? { perAuthorLimit: limit } : {});
      const before = await rejectedCount('nostr', 'rate_limited');
      const started = performance.now();
      try {
        await ing.start();
        await waitFor(() => arrived(`nostr:${honest.id}`), { what: 'the honest note', timeoutMs: 120_000, intervalMs: 10 });
        const ms = performance.now() - started;
        const published = flood.filter((e) => arrived(`nostr:${e.id}`)).length;
        return { ms, published, limited: (await rejectedCount('nostr', 'rate_limited')) - before };
      } finally {
        await ing.stop();
        await relay.close();
      }
    };
    const unlimited = await run({ perMinute: 1_000_000, burst: 1_000_000 });
    const limited = await run({ perMinute: 60, burst: 50 });
    process.stdout.write(`# honest note behind a ${FLOOD}-event flood: ${unlimited.ms.toFixed(0)} ms unlimited (${unlimited.published} published), ${limited.ms.toFixed(0)} ms with the per-author limit (${limited.published} published, ${limited.limited} refused); ratio ${(limited.ms / unlimited.ms).toFixed(2)}\n`);
    assert.equal(unlimited.published, FLOOD, 'without a limit the whole flood is published');
    const allowance = 50 + Math.ceil(limited.ms / 1000) + 1; // the burst, plus one a second while it ran
    assert.ok(limited.published <= allowance, `the flood was cut at its allowance: ${limited.published} > ${allowance}`);
    assert.ok(limited.limited >= FLOOD - allowance, `refusals counted: ${limited.limited}`);
    assert.ok(limited.ms / unlimited.ms < 0.9, `the limit keeps the honest note's delay down (${limited.ms.toFixed(0)} vs ${unlimited.ms.toFixed(0)} ms)`);
  });
});
