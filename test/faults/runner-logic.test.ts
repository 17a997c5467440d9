import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultPlan, describeFault } from './faults.js';
import { backendFor } from '../../deploy/testing/route-proxy.js';
import { pickAction, seededRandom } from './mix.js';
import { parseArgs } from './options.js';

describe('fault runner options', () => {
  it('runs 5,000 events by default and a shorter stream with --quick', () => {
    assert.equal(parseArgs([]).events, 5_000);
    const quick = parseArgs(['--quick']);
    assert.ok(quick.events < 5_000 && quick.events > 0);
    assert.equal(parseArgs(['--quick', '--events', '50', '--outage-s', '5']).outageMs, 5_000);
  });

  it('refuses an unknown flag or a bad number with a message naming it', () => {
    assert.throws(() => parseArgs(['--evnts', '5']), /unknown option --evnts/);
    assert.throws(() => parseArgs(['--events', 'many']), /--events needs a positive whole number, got many/);
    assert.throws(() => parseArgs(['--events']), /got nothing/);
  });
});

describe('fault plan', () => {
  it('injects every kind of fault once: each service killed, broker, database, each peer', () => {
    const plan = faultPlan().map(describeFault);
    assert.deepEqual(plan.filter((f) => f.startsWith('kill -9')).sort(), ['kill -9 activitypub', 'kill -9 atproto', 'kill -9 gateway', 'kill -9 nostr', 'kill -9 solid', 'kill -9 translator']);
    assert.deepEqual(plan.filter((f) => f.endsWith('peer down')).sort(), ['activitypub peer down', 'atproto peer down', 'nostr peer down', 'solid peer down']);
    assert.ok(plan.includes('kafka-restart') && plan.includes('postgres-restart'));
    assert.equal(plan.length, 12);
  });
});

describe('action mix', () => {
  it('likes and reposts only where there is someone else’s post to point at', () => {
    assert.equal(pickAction(0.8, 'nostr', true, true), 'like');
    assert.equal(pickAction(0.8, 'nostr', true, false), 'reply');
    assert.equal(pickAction(0.8, 'solid', true, true), 'reply');
    assert.equal(pickAction(0.6, 'atproto', false, false), 'post');
  });

  it('is close to the intended shares over many draws, and replayable from its seed', () => {
    const r = seededRandom(42);
    const n = 10_000;
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const k = pickAction(r(), 'nostr', true, true);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    assert.ok(Math.abs(counts.post! / n - 0.5) < 0.03, JSON.stringify(counts));
    assert.ok(Math.abs(counts.like! / n - 0.15) < 0.02, JSON.stringify(counts));
    assert.equal(seededRandom(7)(), seededRandom(7)());
  });
});

describe('front proxy routing', () => {
  it('sends each public path to the service the deployment routes it to', () => {
    assert.equal(backendFor('/ap/users/x/inbox'), 'activitypub');
    assert.equal(backendFor('/api/v1/nostr/link?x=1'), 'nostr');
    assert.equal(backendFor('/api/v1/solid/webhook/abc'), 'solid');
    assert.equal(backendFor('/api/v1/atproto/link'), 'atproto');
    assert.equal(backendFor('/api/v1/status'), 'gateway');
    assert.equal(backendFor('/apx'), 'gateway');
  });
});
