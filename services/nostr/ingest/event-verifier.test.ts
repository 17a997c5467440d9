import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVerifier, jsVerifier, type EventVerifier } from './event-verifier.js';
import { copy, newKey, signed } from './test-events.js';

const key = newKey();
const good = signed(key, { kind: 1, content: 'hello "nostr"\n\\ ✨', tags: [['t', 'x']] });

for (const [name, make] of [
  ['wasm', () => createVerifier({ engine: 'wasm' })],
  ['js', async () => jsVerifier()],
] as [string, () => Promise<EventVerifier>][]) {
  describe(`event verifier (${name})`, () => {
    it('loads the engine asked for (nostr-wasm is installed)', async () => {
      assert.equal((await make()).engine, name);
    });

    it('accepts a genuine event and returns only the NIP-01 fields', async () => {
      const v = await make();
      const verdict = v.verify({ ...copy(good), extra: 'relay junk' });
      assert.ok(verdict.ok);
      assert.deepEqual(Object.keys(verdict.event).sort(), ['content', 'created_at', 'id', 'kind', 'pubkey', 'sig', 'tags']);
    });

    it('rejects a changed content (wrong id) as bad_id', async () => {
      const v = await make();
      const verdict = v.verify({ ...copy(good), content: 'tampered' });
      assert.equal(!verdict.ok && verdict.reason, 'bad_id');
    });

    it('rejects a recomputed id with the old signature, or a flipped signature bit, as bad_signature', async () => {
      const v = await make();
      const other = signed(key, { kind: 1, content: 'other' });
      assert.equal(((r) => !r.ok && r.reason)(v.verify({ ...copy(other), sig: good.sig })), 'bad_signature');
      const flipped = good.sig.slice(0, -1) + (good.sig.endsWith('0') ? '1' : '0');
      assert.equal(((r) => !r.ok && r.reason)(v.verify({ ...copy(good), sig: flipped })), 'bad_signature');
    });

    it('rejects malformed shapes before any crypto (an empty id passes nostr-wasm itself)', async () => {
      const v = await make();
      for (const bad of [null, 'x', [], { ...copy(good), id: '' }, { ...copy(good), id: good.id.toUpperCase() }, { ...copy(good), sig: 'zz' + good.sig.slice(2) },
        { ...copy(good), kind: 1.5 }, { ...copy(good), created_at: '1' }, { ...copy(good), tags: [['t', 1]] }, { ...copy(good), content: undefined }]) {
        const verdict = v.verify(bad);
        assert.equal(!verdict.ok && verdict.reason, 'malformed', JSON.stringify(bad)?.slice(0, 80));
      }
    });

    it('does not trust a verdict cached on the object by nostr-tools', async () => {
      const v = await make();
      const ev = copy(good) as unknown as Record<string | symbol, unknown>;
      assert.ok(v.verify(ev).ok);
      ev.content = 'changed after a first verify';
      assert.equal(((r) => !r.ok && r.reason)(v.verify(ev)), 'bad_id');
    });
  });
}
