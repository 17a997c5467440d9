/**
 * Checks a relay's event before anything else looks at it. A relay is never trusted (NIP-01 puts the
 * proof in the event: `id` = sha256 of the serialized event, `sig` = BIP-340 Schnorr over `id`).
 *
 * Order: shape (cheap, and it guards the WebAssembly verifier, which compares only as many id
 * bytes as the id has: an EMPTY id passes nostr-wasm 0.1.0's check, and non-hex digits read as 0),
 * then id + signature. Verdicts have a low-cardinality reason for the metric.
 */
import { getEventHash, verifyEvent as verifyPure } from 'nostr-tools/pure';
import type { NostrEvent } from '../mapping/index.js';

export type RejectReason = 'malformed' | 'bad_id' | 'bad_signature';
export type Verdict = { ok: true; event: NostrEvent } | { ok: false; reason: RejectReason; detail: string };

export interface EventVerifier {
  /** `wasm` (libsecp256k1 via nostr-wasm) or `js` (@noble/curves). */
  readonly engine: 'wasm' | 'js';
  /** `raw` is what JSON.parse gave for the frame's event slot: anything at all. */
  verify(raw: unknown): Verdict;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** Why `raw` is not a NIP-01 event, or undefined. Lowercase hex only: NIP-01 says so, and ids are compared as strings. */
export function shapeProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const e = raw as Record<string, unknown>;
  if (typeof e.id !== 'string' || !HEX64.test(e.id)) return 'id is not 64 lowercase hex';
  if (typeof e.pubkey !== 'string' || !HEX64.test(e.pubkey)) return 'pubkey is not 64 lowercase hex';
  if (typeof e.sig !== 'string' || !HEX128.test(e.sig)) return 'sig is not 128 lowercase hex';
  if (!Number.isSafeInteger(e.kind) || (e.kind as number) < 0 || (e.kind as number) > 65535) return 'kind is not an integer 0..65535';
  if (!Number.isSafeInteger(e.created_at) || (e.created_at as number) < 0) return 'created_at is not a non-negative integer';
  if (typeof e.content !== 'string') return 'content is not a string';
  if (!Array.isArray(e.tags) || !e.tags.every((t) => Array.isArray(t) && t.every((x) => typeof x === 'string')))
    return 'tags is not an array of string arrays';
  return undefined;
}

/**
 * Only the seven NIP-01 fields, in a fresh object: extra properties a relay adds cannot reach the
 * mapper, and nostr-tools' verdict cache (a symbol property, FIELD-NOTES) cannot be pre-set.
 */
function strip(e: NostrEvent): NostrEvent {
  return { id: e.id, pubkey: e.pubkey, created_at: e.created_at, kind: e.kind, tags: e.tags, content: e.content, sig: e.sig };
}

function build(engine: 'wasm' | 'js', check: (e: NostrEvent) => boolean): EventVerifier {
  return {
    engine,
    verify(raw) {
      const problem = shapeProblem(raw);
      if (problem) return { ok: false, reason: 'malformed', detail: problem };
      const event = strip(raw as NostrEvent);
      if (check(event)) return { ok: true, event };
      // Only failures pay for a second hash, to tell a wrong id from a bad signature.
      return getEventHash(event) !== event.id
        ? { ok: false, reason: 'bad_id', detail: 'id is not sha256 of the serialized event' }
        : { ok: false, reason: 'bad_signature', detail: 'schnorr signature does not verify' };
    },
  };
}

/** Pure JS (@noble): ~600 events/s on one core here. Checks the id too (nostr-tools verifyEvent hashes first). */
export function jsVerifier(): EventVerifier {
  return build('js', (e) => verifyPure(e));
}

/**
 * The WebAssembly verifier (nostr-tools/wasm + nostr-wasm, libsecp256k1), ~5x the pure one; falls
 * back to pure JS when nostr-wasm cannot be loaded. nostr-wasm comes in as a dependency of
 * nostr-tools 2.25.2, not of Pontis: pin it in package.json (see README).
 */
export async function createVerifier(opts: { engine?: 'wasm' | 'js'; onFallback?: (err: unknown) => void } = {}): Promise<EventVerifier> {
  if (opts.engine === 'js') return jsVerifier();
  try {
    const [{ initNostrWasm }, wasm] = await Promise.all([import('nostr-wasm'), import('nostr-tools/wasm')]);
    wasm.setNostrWasm(await initNostrWasm());
    const v = build('wasm', (e) => wasm.verifyEvent(e));
    // Self-test with a known-bad input: a verifier that says yes to everything would be worse than a slow one.
    if (v.verify({ ...SELF_TEST, sig: SELF_TEST.sig.replace(/^./, (c) => (c === '0' ? '1' : '0')) }).ok || !v.verify(SELF_TEST).ok)
      throw new Error('nostr-wasm self-test failed');
    return v;
  } catch (err) {
    opts.onFallback?.(err);
    return jsVerifier();
  }
}

/** A genuine event (signed once with a throwaway key) for the self-test. */
const SELF_TEST: NostrEvent = {
  id: 'ea4aa2f9f5665568dfebdea8efe4019d24197609cfae6b1ae0a8ba884b9b8dd3',
  pubkey: '6124711ff0845fece5bfafc2cc074b0e50ed36229afe27c9c156c46dd71dc77b',
  created_at: 1_700_000_000,
  kind: 1,
  tags: [],
  content: 'pontis verifier self-test',
  sig: '732ab1d28c51523a115af0cdbfcb2bccc820362dbea8148f6c63d42017d1425f1344683803d6bdf870955587d13de1b4fce5017fa765b3b04e5f04cad79fd764',
};
