import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DidSet } from './did-set.js';

describe('DidSet', () => {
  it('holds what was added and nothing else; grows past its initial size', () => {
    const dids = Array.from({ length: 5000 }, (_, i) => `did:plc:test${i}`);
    const s = new DidSet(dids.slice(0, 4000), 16);
    assert.equal(s.size, 4000);
    for (const d of dids.slice(0, 4000)) assert.ok(s.has(d));
    for (const d of dids.slice(4000)) assert.ok(!s.has(d));
    s.add(dids[0]!);
    assert.equal(s.size, 4000, 'no duplicates');
  });

  it('a million DIDs: small and fast enough for a 2,000 events/s firehose', () => {
    const n = 1_000_000;
    const heap = process.memoryUsage().arrayBuffers;
    const s = new DidSet((function* () {
      for (let i = 0; i < n; i++) yield `did:plc:million${i}`;
    })(), n);
    const bytes = process.memoryUsage().arrayBuffers - heap;
    assert.ok(bytes < 40 * 1024 * 1024, `${bytes} bytes`);
    const t = process.hrtime.bigint();
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (s.has(`did:plc:million${i * 7}`)) hits++;
    const perSec = 100_000 / (Number(process.hrtime.bigint() - t) / 1e9);
    assert.equal(hits, 100_000);
    assert.ok(perSec > 20_000, `${Math.round(perSec)} lookups/s`);
  });
});
