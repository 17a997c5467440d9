import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Recorder } from '../../../libs/adapter/testing.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { TOPICS } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { waitFor } from '../../../libs/testing/index.js';
import { IngestBatch } from './ingest-batch.js';

// Real Postgres (its own schema) and the in-process bus.

const FOLLOW = 'app.bsky.graph.follow';
const key = (rkey: string) => ({ did: 'did:plc:batch', collection: FOLLOW, rkey });

describe('IngestBatch (group commit of firehose writes)', { timeout: 60_000 }, () => {
  let s: TestStore;
  let bus: MemoryBus;
  let rec: Recorder;
  let batch: IngestBatch;
  const rows = async () =>
    (await s.ds.query(`SELECT rkey, cid, subject FROM atproto_records WHERE did = 'did:plc:batch' ORDER BY rkey`)) as { rkey: string; cid: string | null; subject: string | null }[];

  before(async () => {
    s = await createTestStore();
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 1 }]);
    rec = await Recorder.on(bus, [TOPICS.events]);
    batch = new IngestBatch({ bus, ds: s.ds, topic: TOPICS.events, log: createLogger('test'), stopping: () => false, killed: () => false, onCutShort: () => undefined });
  });

  after(async () => {
    await rec?.stop();
    await bus?.stop();
    await s?.drop();
  });

  it('one batch: messages in order on the bus, records written; a delete sees what is still pending', async () => {
    batch.publish([{ key: 'did:plc:batch', value: '{"n":1}' }]);
    batch.keep(key('1'), 'cid1', 'did:plc:x');
    batch.publish([{ key: 'did:plc:batch', value: '{"n":2}' }, { key: 'did:plc:batch', value: '{"n":3}' }]);
    batch.keep(key('2'), 'cid2', 'did:plc:y');
    assert.deepEqual(await batch.kept(key('1')), { cid: 'cid1', subject: 'did:plc:x' }, 'pending, not yet in the table');
    await batch.settled();
    await waitFor(() => rec.json(TOPICS.events).length >= 3, { what: 'three messages', timeoutMs: 5_000 });
    assert.deepEqual(rec.json<{ n: number }>(TOPICS.events).map((m) => m.n), [1, 2, 3]);
    assert.deepEqual(await rows(), [{ rkey: '1', cid: 'cid1', subject: 'did:plc:x' }, { rkey: '2', cid: 'cid2', subject: 'did:plc:y' }]);
    assert.deepEqual(await batch.kept(key('2')), { cid: 'cid2', subject: 'did:plc:y' }, 'from the table');
  });

  it('deletes and upserts in one batch (one transaction); a record deleted and written again keeps nothing of the old row; a row the table refuses is left out, the others kept', async () => {
    batch.forget(key('1'));
    batch.keep(key('1'), 'cid1b', null);
    batch.forget(key('2'));
    batch.keep(key('3'), 'cid3', null);
    batch.keep(key('bad\u0000'), 'cidX', null);
    assert.equal(await batch.kept(key('2')), undefined, 'pending delete');
    await batch.settled();
    assert.deepEqual(await rows(), [{ rkey: '1', cid: 'cid1b', subject: null }, { rkey: '3', cid: 'cid3', subject: null }]);
  });
});
