import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import type { Bus, DeliveredMessage } from '../../libs/bus/index.js';
import { deadLetterReason } from '../../libs/bus/index.js';
import { eventFixture, NETWORKS, outboundTopic, TOPICS, type BridgeEvent, type Network, type OutboundCommand, type Receipt } from '../../libs/events/index.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { TranslatorService } from './translator.service.js';

export interface TranslatorRig {
  bus: Bus;
  ds: DataSource;
  close(): Promise<void>;
  /** Drops every database connection the translator holds, as a database restart does. */
  dropDatabaseConnections?(): Promise<number>;
}

const ALICE = 'https://mastodon.example/users/alice';
const BOB = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';

/**
 * The translator's behaviour through a real bus and database, run against every backend pair
 * (Kafka + Postgres, and the embedded in-process bus + PGlite).
 */
export function translatorSuite(name: string, makeRig: () => Promise<TranslatorRig>): void {
  describe(`translator through ${name}`, { timeout: 180_000 }, () => {
    let rig: TranslatorRig;
    let translator: TranslatorService;
    const commands: OutboundCommand[] = [];
    const dead: DeliveredMessage[] = [];
    const run = randomBytes(3).toString('hex');
    const stop: Array<() => Promise<void>> = [];

    const publish = (e: BridgeEvent) => rig.bus.publish(TOPICS.events, [{ key: e.actor.id, value: JSON.stringify(e) }]);
    const commandsFor = (eventId: string) => commands.filter((c) => c.eventId === eventId);
    const receipt = (c: OutboundCommand, id: string): Promise<void> => {
      const r: Receipt = { v: 1, commandId: c.id, objectKey: c.objectKey, network: c.target, ref: { network: c.target, id }, status: 'delivered' };
      return rig.bus.publish(TOPICS.receipts, [{ key: c.as.accountId, value: JSON.stringify(r) }]);
    };
    const post = (id: string, text = `post ${id}`): BridgeEvent => {
      const e = eventFixture('post.created');
      e.id = `activitypub:${ALICE}/statuses/${run}-${id}`;
      e.source = { network: 'activitypub', id: `${ALICE}/statuses/${run}-${id}` };
      e.object!.text = text;
      e.object!.facets = [];
      return e;
    };

    before(async () => {
      rig = await makeRig();
      await seedAccount(rig.ds, [
        { network: 'activitypub', id: ALICE, handle: '@alice@mastodon.example', kind: 'native' },
        { network: 'atproto', id: 'did:plc:alicebridged', kind: 'bridged' },
      ]);
      await seedAccount(rig.ds, [
        { network: 'atproto', id: BOB, handle: 'bob.bsky.social', kind: 'native' },
        { network: 'activitypub', id: 'https://pontis.example/ap/bob', kind: 'bridged' },
      ]);
      translator = new TranslatorService(rig.bus, rig.ds, { partitions: 3, pendingTimeoutMs: 60_000, sweepIntervalMs: 3_600_000, groupId: `translator-${run}` });
      await translator.start();
      const collector = await rig.bus.subscribe({
        groupId: `collector-${run}`,
        topics: [...NETWORKS.map(outboundTopic), TOPICS.deadLetter],
        handleBatch: async (msgs) => {
          for (const m of msgs) {
            if (m.topic === TOPICS.deadLetter) dead.push(m);
            else commands.push(JSON.parse(m.value.toString('utf8')) as OutboundCommand);
          }
        },
      });
      stop.push(() => collector.stop(), () => translator.stop());
    });

    after(async () => {
      for (const s of stop.reverse()) await s().catch(() => undefined);
      await rig?.close();
    });

    it('turns an opted-in post into one command per other network', async () => {
      const e = post('p1');
      await publish(e);
      const got = await waitFor(() => commandsFor(e.id).length === 3 && commandsFor(e.id), { what: 'three commands' });
      assert.deepEqual(got.map((c) => c.target).sort(), ['atproto', 'nostr', 'solid']);
      assert.equal(got.find((c) => c.target === 'atproto')!.as.id, 'did:plc:alicebridged');
      const [ledger]: { n: number }[] = await rig.ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = $1`, [e.id]);
      assert.equal(ledger!.n, 3);
    });

    it('bridges a replayed event once', async () => {
      const e = post('dup');
      await publish(e);
      await waitFor(() => commandsFor(e.id).length === 3, { what: 'first copy' });
      await publish(e);
      const marker = post('after-dup');
      await publish(marker);
      await waitFor(() => commandsFor(marker.id).length === 3, { what: 'marker after the duplicate' });
      assert.equal(commandsFor(e.id).length, 3);
    });

    it('holds a reply that arrives before its parent is bridged, and releases it on the receipt', async () => {
      const parent = post('parent');
      await publish(parent);
      const [toAtproto] = await waitFor(() => commandsFor(parent.id).filter((c) => c.target === 'atproto').length && commandsFor(parent.id).filter((c) => c.target === 'atproto'), { what: 'parent command' });
      const copyUri = `at://did:plc:alicebridged/app.bsky.feed.post/${run}p`;

      // Bob replies on Bluesky to the copy before the bridge has recorded that the copy exists.
      const reply = eventFixture('post.created');
      reply.id = `atproto:at://${BOB}/app.bsky.feed.post/${run}r`;
      reply.actor = { network: 'atproto', id: BOB, handle: 'bob.bsky.social' };
      reply.source = { network: 'atproto', id: `at://${BOB}/app.bsky.feed.post/${run}r`, cid: 'bafyreply' };
      reply.trace = { origin: 'atproto', hops: 0 };
      reply.object = { ...reply.object!, text: 'nice', facets: [], replyTo: { network: 'atproto', id: copyUri, cid: 'bafycopy' }, threadRoot: { network: 'atproto', id: copyUri, cid: 'bafycopy' } };
      await publish(reply);
      await waitFor(async () => ((await rig.ds.query(`SELECT 1 FROM pending_events WHERE event_id = $1`, [reply.id])) as unknown[]).length > 0, { what: 'reply held' });
      assert.equal(commandsFor(reply.id).length, 0);
      const [held]: { reason: string }[] = await rig.ds.query(`SELECT reason FROM pending_events WHERE event_id = $1`, [reply.id]);
      assert.match(held!.reason, /waiting for atproto object .* to be seen/);

      await receipt(toAtproto!, copyUri);
      const [toAp] = await waitFor(() => commandsFor(reply.id).length && commandsFor(reply.id), { what: 'released reply' });
      assert.equal(toAp!.target, 'activitypub');
      assert.equal(toAp!.refs.replyTo?.id, parent.source.id);
      assert.equal(toAp!.refs.replyTo?.original, true);
      // Nostr and Solid copies of the parent are still on their way: the reply waits for those.
      const pending: { target: string; reason: string }[] = await rig.ds.query(`SELECT target, reason FROM pending_events WHERE event_id = $1 ORDER BY target`, [reply.id]);
      assert.deepEqual(pending.map((p) => p.target), ['nostr', 'solid']);
      assert.match(pending[0]!.reason, /to be bridged to nostr/);
      const toNostr = commandsFor(parent.id).find((c) => c.target === 'nostr')!;
      await receipt(toNostr, 'f'.repeat(64));
      const [nostrReply] = await waitFor(() => commandsFor(reply.id).filter((c) => c.target === 'nostr').length && commandsFor(reply.id).filter((c) => c.target === 'nostr'), { what: 'reply released to nostr' });
      assert.equal(nostrReply!.refs.replyTo?.id, 'f'.repeat(64));
      const left: { target: string }[] = await rig.ds.query(`SELECT target FROM pending_events WHERE event_id = $1`, [reply.id]);
      assert.deepEqual(left.map((p) => p.target), ['solid']);

      // The Solid adapter could not express the parent: the reply stops waiting, and goes there as a
      // post of its own that links the parent.
      const toSolid = commandsFor(parent.id).find((c) => c.target === 'solid')!;
      const skipped: Receipt = { v: 1, commandId: toSolid.id, objectKey: toSolid.objectKey, network: 'solid', status: 'skipped', reason: 'test: cannot express' };
      await rig.ds.query(`UPDATE deliveries SET status = 'skipped' WHERE command_id = $1`, [toSolid.id]); // as the adapter's runner records it
      await rig.bus.publish(TOPICS.receipts, [{ key: toSolid.objectKey, value: JSON.stringify(skipped) }]);
      await waitFor(async () => ((await rig.ds.query(`SELECT 1 FROM pending_events WHERE event_id = $1`, [reply.id])) as unknown[]).length === 0, { what: 'the Solid hold to settle' });
      const [solidReply] = await waitFor(() => commandsFor(reply.id).filter((c) => c.target === 'solid').length && commandsFor(reply.id).filter((c) => c.target === 'solid'), { what: 'the reply on Solid' });
      assert.equal(solidReply!.refs.replyTo, undefined);
      assert.equal(solidReply!.event.object!.replyTo, undefined);
      assert.ok(solidReply!.event.object!.text.endsWith(`In reply to ${parent.source.id}`), solidReply!.event.object!.text);
    });

    it('bridges at once, linking its parent, a reply to a post by someone who is not bridged', async () => {
      const reply = post('to-stranger');
      reply.object!.replyTo = { network: 'atproto', id: `at://did:plc:stranger${run}/app.bsky.feed.post/1`, cid: 'bafystranger' };
      await publish(reply);
      const got = await waitFor(() => commandsFor(reply.id).length === 3 && commandsFor(reply.id), { what: 'the reply on every other network' });
      for (const c of got) {
        assert.equal(c.refs.replyTo, undefined);
        assert.ok(c.event.object!.text.endsWith(`In reply to https://bsky.app/profile/did:plc:stranger${run}/post/1`), c.event.object!.text);
      }
      const held: unknown[] = await rig.ds.query(`SELECT 1 FROM pending_events WHERE event_id = $1`, [reply.id]);
      assert.equal(held.length, 0);
    });

    it('dead-letters an invalid event with the reason and keeps going', async () => {
      await rig.bus.publish(TOPICS.events, [{ key: 'junk', value: '{"v":1,"type":"post.exploded"}' }]);
      const next = post('after-junk');
      await publish(next);
      await waitFor(() => commandsFor(next.id).length === 3, { what: 'the event after the bad one' });
      const letter = await waitFor(() => dead.find((d) => deadLetterReason(d)?.reason.includes('post.exploded')), { what: 'dead letter' });
      assert.equal(deadLetterReason(letter)!.originalTopic, TOPICS.events);
      const rows: { reason: string }[] = await rig.ds.query(`SELECT reason FROM dead_letters WHERE source = 'validation'`);
      assert.ok(rows.some((r) => r.reason.includes('event.type is not a known event type')));
    });

    it('never bridges people who have not opted in, nor echoes of its own copies', async () => {
      const stranger = post('stranger');
      stranger.actor = { network: 'activitypub', id: 'https://elsewhere.example/users/eve' };
      const echo = post('echo');
      echo.trace.bridged = true;
      const marker = post('after-refusals');
      for (const e of [stranger, echo, marker]) await publish(e);
      await waitFor(() => commandsFor(marker.id).length === 3, { what: 'marker' });
      assert.equal(commandsFor(stranger.id).length + commandsFor(echo.id).length, 0);
      const outcomes: { event_id: string; reason: string }[] = await rig.ds.query(`SELECT event_id, reason FROM processed_events WHERE event_id = ANY($1)`, [[stranger.id, echo.id]]);
      assert.deepEqual(outcomes.map((o) => o.reason).sort(), ['echo', 'not-opted-in']);
    });

    /** Holds `event` for nostr as if a concurrent batch had decided it before `waitFor` was recorded. */
    const holdAsIfMissed = (event: BridgeEvent, waitFor: string) =>
      rig.ds.query(
        `INSERT INTO pending_events (event_id, target, payload, wait_network, wait_native_id, reason, deadline)
         VALUES ($1, 'nostr', $2, 'activitypub', $3, 'test: missed release', now() + interval '1 hour')`,
        [event.id, JSON.stringify(event), waitFor],
      );

    it('releases, on its periodic pass, a held event whose wait ended unnoticed', async () => {
      const parent = post('race-parent');
      await publish(parent);
      await waitFor(() => commandsFor(parent.id).length === 3, { what: 'parent' });
      const reply = post('race-reply');
      reply.object!.replyTo = parent.source;
      await holdAsIfMissed(reply, parent.source.id);
      await receipt(commandsFor(parent.id).find((c) => c.target === 'nostr')!, 'a1'.repeat(32));
      await waitFor(() => commandsFor(reply.id).length === 1, { what: 'reply released by the receipt' });
      // Once more, with no receipt to come: only the periodic pass can release it.
      const late = post('race-late');
      late.object!.replyTo = parent.source;
      await holdAsIfMissed(late, parent.source.id);
      await translator.sweep();
      const [cmd] = await waitFor(() => commandsFor(late.id).length && commandsFor(late.id), { what: 'late reply released by the sweep' });
      assert.equal(cmd!.refs.replyTo?.id, 'a1'.repeat(32));
    });

    it('loses and doubles nothing when its database connections drop mid-stream', async (t) => {
      if (!rig.dropDatabaseConnections) return t.skip('this backend cannot drop connections from outside');
      const stream = Array.from({ length: 300 }, (_, i) => post(`outage-${i}`));
      const publishing = (async () => {
        for (let i = 0; i < stream.length; i += 10) {
          await rig.bus.publish(TOPICS.events, stream.slice(i, i + 10).map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      let dropped = 0;
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 120));
        dropped += await rig.dropDatabaseConnections();
      }
      await publishing;
      assert.ok(dropped > 0, 'connections were really dropped');
      const ids = new Set(stream.map((e) => e.id));
      await waitFor(() => new Set(commands.filter((c) => ids.has(c.eventId)).map((c) => c.id)).size === 900, { what: '900 distinct commands', timeoutMs: 60_000 });
      const [ledger]: { n: number; events: number }[] = await rig.ds.query(
        `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS events FROM deliveries WHERE event_id = ANY($1)`,
        [[...ids]],
      );
      assert.deepEqual(ledger, { n: 900, events: 300 });
      const [done]: { n: number }[] = await rig.ds.query(`SELECT count(*)::int AS n FROM processed_events WHERE event_id = ANY($1) AND outcome = 'bridged'`, [[...ids]]);
      assert.equal(done!.n, 300);
    });

    it('forgets processed ids past their retention on its periodic pass', async () => {
      await rig.ds.query(`INSERT INTO processed_events (event_id, outcome, processed_at) VALUES ('old-${run}', 'dropped', now() - interval '40 days'), ('new-${run}', 'dropped', now())`);
      await translator.sweep();
      const left: { event_id: string }[] = await rig.ds.query(`SELECT event_id FROM processed_events WHERE event_id IN ('old-${run}', 'new-${run}')`);
      assert.deepEqual(left.map((r) => r.event_id), [`new-${run}`]);
    });

    it('sends a reply whose parent never came when its wait ends, linking the parent', async () => {
      const orphan = post('orphan');
      orphan.object!.replyTo = { network: 'nostr', id: 'e'.repeat(64) };
      await publish(orphan);
      await waitFor(async () => ((await rig.ds.query(`SELECT 1 FROM pending_events WHERE event_id = $1`, [orphan.id])) as unknown[]).length === 3, { what: 'orphan held' });
      await rig.ds.query(`UPDATE pending_events SET deadline = now() - interval '1 second' WHERE event_id = $1`, [orphan.id]);
      assert.equal(await translator.sweepExpired(), 3);
      const got = await waitFor(() => commandsFor(orphan.id).length === 3 && commandsFor(orphan.id), { what: 'the orphan sent, linking its parent' });
      for (const c of got) assert.match(c.event.object!.text, /In reply to https:\/\/njump\.me\/nevent1\w+$/);
      const letters: unknown[] = await rig.ds.query(`SELECT 1 FROM dead_letters WHERE event_id = $1`, [orphan.id]);
      assert.equal(letters.length, 0);
      const [ledger]: { n: number }[] = await rig.ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = $1`, [orphan.id]);
      assert.equal(ledger!.n, 3, 'in the delivery ledger like any command');
    });

    it('keeps an expired reply held when the sweep cannot publish it, and sends it on the next sweep', async () => {
      const orphan = post('orphan-bus-away');
      orphan.object!.replyTo = { network: 'nostr', id: randomBytes(32).toString('hex') }; // a parent no other test knows
      await publish(orphan);
      const held = async () => ((await rig.ds.query(`SELECT 1 FROM pending_events WHERE event_id = $1`, [orphan.id])) as unknown[]).length;
      await waitFor(async () => (await held()) === 3, { what: 'orphan held' });
      await rig.ds.query(`UPDATE pending_events SET deadline = now() - interval '1 second' WHERE event_id = $1`, [orphan.id]);
      // A second translator on the same database whose bus refuses to publish: the sweep fails
      // after reading the expired rows, as a crash between reading and publishing would.
      const refusing: Bus = Object.assign(Object.create(rig.bus) as Bus, {
        publishAll: async () => {
          throw new Error('broker away (test)');
        },
      });
      const sweeper = new TranslatorService(refusing, rig.ds, { partitions: 3, pendingTimeoutMs: 60_000, sweepIntervalMs: 3_600_000, groupId: `sweeper-${run}` });
      await assert.rejects(sweeper.sweepExpired(), /broker away/);
      assert.equal(await held(), 3, 'still held: nothing was published');
      assert.equal(commandsFor(orphan.id).length, 0);
      assert.equal(await translator.sweepExpired(), 3);
      await waitFor(() => commandsFor(orphan.id).length === 3, { what: 'the orphan sent by the next sweep' });
      assert.equal(await held(), 0);
    });

    it('gives up on a held like after its deadline, visibly', async () => {
      const like = eventFixture('reaction.added');
      like.id = `activitypub:${ALICE}/likes/${run}`;
      like.actor = { network: 'activitypub', id: ALICE };
      like.source = { network: 'activitypub', id: `${ALICE}/likes/${run}` };
      like.trace = { origin: 'activitypub', hops: 0 };
      like.target = { network: 'nostr', id: 'd'.repeat(64) };
      await publish(like);
      await waitFor(async () => ((await rig.ds.query(`SELECT 1 FROM pending_events WHERE event_id = $1`, [like.id])) as unknown[]).length === 3, { what: 'like held' });
      await rig.ds.query(`UPDATE pending_events SET deadline = now() - interval '1 second' WHERE event_id = $1`, [like.id]);
      assert.equal(await translator.sweepExpired(), 3);
      const rows: { reason: string }[] = await rig.ds.query(`SELECT reason FROM dead_letters WHERE event_id = $1`, [like.id]);
      assert.equal(rows.length, 3);
      assert.match(rows[0]!.reason, /gave up after 60 s waiting for nostr object d+ to be seen/);
      assert.equal(commandsFor(like.id).length, 0);
    });
  });
}

export type { Network };
