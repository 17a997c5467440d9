/** Pure rules of ingest: watch set and filters, the cursor rule, NIP-65 and NIP-02 bookkeeping. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followsOf, supersedes } from './contact-lists.js';
import { RelayCursor } from './relay-cursor.js';
import { normalizeRelayUrl } from '../mapping/index.js';
import { RelayDirectory } from './relay-directory.js';
import { parseFrame } from './relay-subscription.js';
import { classify, subscriptionsFor } from './watch-list.js';

const hex = (n: number) => n.toString(16).padStart(64, '0');

describe('watch list', () => {
  it('watches opted-in active native keys as authors and bridged keys as #p', () => {
    const w = classify([
      { native_id: hex(1), kind: 'native', consent: 'opted_in', status: 'active' },
      { native_id: hex(2), kind: 'native', consent: 'pending', status: 'active' },
      { native_id: hex(3), kind: 'native', consent: 'opted_in', status: 'taken_down' },
      { native_id: hex(4), kind: 'bridged', consent: 'opted_in', status: 'active' },
      { native_id: hex(5), kind: 'bridged', consent: 'opted_in', status: 'taken_down' },
      { native_id: 'not-minted-yet', kind: 'bridged', consent: 'opted_in', status: 'active' },
    ]);
    assert.deepEqual(w.authors, [hex(1)]);
    assert.deepEqual(w.mentionTargets, [hex(4)]);
    assert.deepEqual([...w.bridgedPubkeys].sort(), [hex(4), hex(5)], 'a taken-down proxy is still ours: its events are echoes');
  });

  it('chunks filters to the relay limit and only gates the cursor on authors/#p', () => {
    const authors = Array.from({ length: 1201 }, (_, i) => hex(i));
    const subs = subscriptionsFor({ authors, mentionTargets: [hex(9)], bridgedPubkeys: new Set() }, 1000, { chunkSize: 500, relayLists: true });
    assert.deepEqual(subs.map((s) => s.key), ['a0', 'a1', 'a2', 'p0', 'r0', 'r1', 'r2']);
    assert.ok(subs.every((s) => (s.filter.authors ?? s.filter['#p'])!.length <= 500));
    assert.equal(subs.find((s) => s.key === 'p0')!.filter.since, 1000);
    assert.equal(subs.find((s) => s.key === 'r0')!.filter.since, undefined, 'NIP-65 lists are replaceable: no since');
    assert.deepEqual(subs.filter((s) => s.gatesCursor).map((s) => s.key), ['a0', 'a1', 'a2', 'p0']);
  });
});

describe('relay cursor rule', () => {
  const now = 2_000_000_000;
  it('does not move during a backfill (newest first) until every gating REQ reached EOSE', () => {
    const c = new RelayCursor(100);
    c.begin(1, ['a0', 'p0']);
    c.observe(500, now);
    c.observe(300, now);
    assert.equal(c.pending(), undefined);
    c.eose('a0', 1);
    assert.equal(c.pending(), undefined);
    c.eose('p0', 1);
    assert.equal(c.pending(), 500);
    c.markStored(500);
    assert.equal(c.pending(), undefined);
    c.observe(600, now);
    assert.equal(c.pending(), 600, 'live events move it');
    c.observe(550, now);
    assert.equal(c.position, 600, 'never backwards');
  });

  it('ignores EOSE of a superseded generation and clamps future dates', () => {
    const c = new RelayCursor(undefined);
    c.begin(1, ['a0']);
    c.begin(2, ['a0']);
    c.observe(10, now);
    c.eose('a0', 1);
    assert.equal(c.pending(), undefined);
    c.eose('a0', 2);
    c.observe(now + 10 ** 9, now);
    assert.ok(c.position! <= now + 900);
  });

  it('since = cursor - overlap, or now - overlap on a first start', () => {
    assert.equal(new RelayCursor(1000).since(120, now), 880);
    assert.equal(new RelayCursor(undefined).since(120, now), now - 120);
  });
});

describe('NIP-65 relay directory', () => {
  const ev = (pubkey: string, created_at: number, id: string, tags: string[][]) => ({ pubkey, created_at, id, kind: 10002, tags, content: '', sig: '' });
  it('keeps write relays of the newest list, normalized', () => {
    const d = new RelayDirectory();
    assert.ok(d.update(ev(hex(1), 10, hex(7), [['r', 'wss://Relay.One/'], ['r', 'wss://read.only', 'read'], ['r', 'https://nope'], ['r', 'wss://two', 'write']])));
    assert.deepEqual(d.relays(10), ['wss://relay.one', 'wss://two']);
    assert.equal(d.update(ev(hex(1), 9, hex(8), [['r', 'wss://older']])), false, 'older list ignored');
    d.update(ev(hex(2), 10, hex(9), [['r', 'wss://two']]));
    assert.deepEqual(d.relays(1), ['wss://two'], 'most shared first');
    assert.ok(d.prune(new Set([hex(2)])));
    assert.deepEqual(d.relays(10), ['wss://two']);
  });

  it('normalizes relay URLs and refuses non-websocket ones', () => {
    assert.equal(normalizeRelayUrl('wss://relay.example/'), 'wss://relay.example');
    assert.equal(normalizeRelayUrl('ws://127.0.0.1:7777'), 'ws://127.0.0.1:7777');
    assert.equal(normalizeRelayUrl('wss://user:pw@relay.example'), undefined);
    assert.equal(normalizeRelayUrl('javascript:alert(1)'), undefined);
  });
});

describe('NIP-02 lists and frames', () => {
  it('newest list wins; on a tie the lowest id', () => {
    assert.ok(supersedes({ id: 'b', created_at: 2 }, { id: 'a', created_at: 1 }));
    assert.ok(!supersedes({ id: 'b', created_at: 1 }, { id: 'a', created_at: 2 }));
    assert.ok(supersedes({ id: 'a', created_at: 1 }, { id: 'b', created_at: 1 }));
    assert.ok(!supersedes({ id: 'b', created_at: 1 }, { id: 'a', created_at: 1 }));
    assert.deepEqual(followsOf({ tags: [['p', hex(1)], ['p', hex(1)], ['p', 'nothex'], ['e', hex(2)]] }), [hex(1)]);
  });

  it('parses NIP-01 frames and names what is wrong with the rest', () => {
    assert.deepEqual(parseFrame('["EOSE","a0:1"]'), ['EOSE', 'a0:1']);
    assert.equal(parseFrame('{"x":1}'), 'frame is not a NIP-01 message array');
    assert.equal(parseFrame('["EVENT",'), 'frame is not JSON');
    assert.equal(parseFrame(new ArrayBuffer(2)), 'binary frame');
  });
});
