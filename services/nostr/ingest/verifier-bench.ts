/**
 * Verified events per second on one core, for both verifiers (not a test: prints figures).
 *   node dist/services/nostr/ingest/verifier-bench.js [count]
 * Every event is a fresh JSON copy (nostr-tools caches verdicts on the object: FIELD-NOTES).
 */
import { createVerifier, jsVerifier } from './event-verifier.js';
import { newKey, signed } from './test-events.js';

const count = Number(process.argv[2] ?? 3000);
const keys = Array.from({ length: 20 }, newKey);
const events = Array.from({ length: count }, (_, i) =>
  JSON.stringify(signed(keys[i % keys.length]!, { kind: 1, content: `bench note ${i} `.repeat(10), tags: [['t', 'bench'], ['p', keys[(i + 1) % keys.length]!.pk]] })),
);

for (const v of [await createVerifier({ engine: 'wasm' }), jsVerifier()]) {
  let ok = 0;
  const t0 = process.hrtime.bigint();
  for (const raw of events) if (v.verify(JSON.parse(raw)).ok) ok++;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (ok !== count) throw new Error(`${v.engine}: only ${ok}/${count} verified`);
  console.log(`${v.engine.padEnd(4)} ${Math.round(count / s)} events/s (${count} events, ${s.toFixed(2)} s, shape check + JSON.parse included)`);
}
