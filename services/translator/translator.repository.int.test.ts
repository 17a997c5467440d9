import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventFixture } from '../../libs/events/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { TranslatorRepository } from './translator.repository.js';

describe('held events: the sweep pages through them (real Postgres)', () => {
  let s: TestStore;
  let repo: TranslatorRepository;
  const hold = (eventId: string, waitFor: string) =>
    s.ds.query(
      `INSERT INTO pending_events (event_id, target, payload, wait_network, wait_native_id, reason, deadline) VALUES ($1, 'nostr', $2, 'activitypub', $3, 'waiting', now() + interval '1 hour')`,
      [eventId, JSON.stringify(eventFixture('reaction.added')), waitFor],
    );

  before(async () => {
    s = await createTestStore();
    repo = new TranslatorRepository(s.ds);
    await s.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'activitypub', 'https://ap.example/notes/known', true)`, [randomUUID()]);
    for (const n of [1, 2, 3]) await hold(`e${n}`, 'https://ap.example/notes/known');
    await hold('e-unknown', 'https://ap.example/notes/not-yet');
  });
  after(() => s?.drop());

  it('returns only rows whose wait is over, a page at a time after the given id, so none is starved', async () => {
    const first = await repo.pendingWithKnownWait('0', 2);
    assert.deepEqual(first.map((r) => r.eventId), ['e1', 'e2']);
    const next = await repo.pendingWithKnownWait(first[1]!.id, 2);
    assert.deepEqual(next.map((r) => r.eventId), ['e3']);
    assert.deepEqual(await repo.pendingWithKnownWait(next[0]!.id, 2), []);
  });
});
