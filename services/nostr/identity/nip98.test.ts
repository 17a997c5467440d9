import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { verifyNip98, type Nip98Request } from './nip98.js';

const URL_ = 'https://bridge.example/api/v1/link/nostr?account=42';
const NOW = 1_790_000_000_000;
const now = (): number => NOW;
const sk = generateSecretKey();
const pk = getPublicKey(sk);
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function sign(over: { kind?: number; tags?: string[][]; created_at?: number; content?: string } = {}): Record<string, unknown> {
  // JSON round trip: finalizeEvent marks its object verified; the header carries plain JSON.
  return JSON.parse(JSON.stringify(finalizeEvent({
    kind: over.kind ?? 27235,
    created_at: over.created_at ?? NOW / 1000,
    content: over.content ?? '',
    tags: over.tags ?? [['u', URL_], ['method', 'POST']],
  }, sk)));
}
const header = (event: unknown): string => `Nostr ${Buffer.from(JSON.stringify(event)).toString('base64')}`;
const req = (authorization: string, over: Partial<Nip98Request> = {}): Nip98Request => ({ authorization, url: URL_, method: 'POST', ...over });
const reason = (r: ReturnType<typeof verifyNip98>): string => (r.ok ? 'ok' : r.reason);

describe('NIP-98 HTTP Auth', () => {
  it('accepts a valid header and names the pubkey', () => {
    const ev = sign();
    assert.deepEqual(verifyNip98(req(header(ev)), { now }), { ok: true, pubkey: pk, eventId: ev.id });
    assert.equal(verifyNip98(req(header(ev), { method: 'post' }), { now }).ok, true, 'methods compare case-insensitively');
    assert.equal(verifyNip98(req(header(ev).replace('Nostr', 'nostr')), { now }).ok, true, 'the scheme is case-insensitive');
    assert.equal(verifyNip98(req(header(ev), { url: 'https://BRIDGE.example:443/api/v1/link/nostr?account=42' }), { now }).ok, true, 'same URL once parsed');
  });

  it('refuses another URL, query or method', () => {
    const ev = sign();
    assert.match(reason(verifyNip98(req(header(ev), { url: 'https://bridge.example/api/v1/link/nostr?account=43' }), { now })), /u tag does not match/);
    assert.match(reason(verifyNip98(req(header(ev), { url: 'https://evil.example/api/v1/link/nostr?account=42' }), { now })), /u tag does not match/);
    assert.match(reason(verifyNip98(req(header(ev), { method: 'DELETE' }), { now })), /method tag POST does not match the request method DELETE/);
  });

  it('refuses stale and future events (±60 s)', () => {
    assert.equal(verifyNip98(req(header(sign({ created_at: NOW / 1000 - 60 }))), { now }).ok, true, 'the edge is inside');
    assert.match(reason(verifyNip98(req(header(sign({ created_at: NOW / 1000 - 61 }))), { now })), /stale: created 61 s ago/);
    assert.match(reason(verifyNip98(req(header(sign({ created_at: NOW / 1000 + 120 }))), { now })), /from the future: 120 s ahead/);
  });

  it('refuses a bad signature, a tampered content and a wrong kind', () => {
    const ev = sign();
    const badSig = { ...ev, sig: (ev.sig as string).replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    assert.equal(reason(verifyNip98(req(header(badSig)), { now })), 'invalid signature');
    assert.match(reason(verifyNip98(req(header({ ...ev, content: 'tampered' })), { now })), /id does not match/);
    const otherKey = { ...ev, pubkey: getPublicKey(generateSecretKey()) };
    assert.match(reason(verifyNip98(req(header(otherKey)), { now })), /id does not match/);
    assert.match(reason(verifyNip98(req(header(sign({ kind: 1 }))), { now })), /kind is 1, NIP-98 needs 27235/);
  });

  it('refuses malformed headers, base64 and JSON with a clear reason', () => {
    const cases: [string | undefined, RegExp][] = [
      [undefined, /missing Authorization/],
      ['Bearer abc', /scheme must be "Nostr/],
      ['Nostr', /scheme must be "Nostr/],
      ['Nostr !!!not-base64!!!', /not base64/],
      [`Nostr ${Buffer.from('{not json').toString('base64')}`, /not a base64-encoded JSON event/],
      [`Nostr ${Buffer.from('[1,2]').toString('base64')}`, /not a JSON object/],
      [`Nostr ${Buffer.from('{"kind":27235}').toString('base64')}`, /malformed: id, pubkey, sig, created_at, content, tags/],
      [`Nostr ${'A'.repeat(20_000)}`, /longer than/],
    ];
    for (const [h, re] of cases) assert.match(reason(verifyNip98({ authorization: h, url: URL_, method: 'POST' }, { now })), re, String(h).slice(0, 30));
  });

  it('refuses missing or duplicated u/method tags', () => {
    assert.match(reason(verifyNip98(req(header(sign({ tags: [['method', 'POST']] }))), { now })), /missing u tag/);
    assert.match(reason(verifyNip98(req(header(sign({ tags: [['u', URL_], ['u', URL_], ['method', 'POST']] }))), { now })), /more than one u tag/);
    assert.match(reason(verifyNip98(req(header(sign({ tags: [['u', URL_]] }))), { now })), /missing method tag/);
  });

  it('checks the payload tag against the body', () => {
    const body = '{"account":"42"}';
    const tags = [['u', URL_], ['method', 'POST'], ['payload', sha(body)]];
    assert.equal(verifyNip98(req(header(sign({ tags })), { body }), { now }).ok, true);
    assert.equal(verifyNip98(req(header(sign({ tags })), { body: Buffer.from(body) }), { now }).ok, true);
    assert.match(reason(verifyNip98(req(header(sign({ tags })), { body: '{"account":"43"}' }), { now })), /payload tag does not match/);
    assert.match(reason(verifyNip98(req(header(sign({ tags }))), { now })), /payload tag does not match/, 'a payload tag with no body');
    // No tag: accepted unless the caller asks for one.
    assert.equal(verifyNip98(req(header(sign()), { body }), { now }).ok, true);
    assert.match(reason(verifyNip98(req(header(sign()), { body }), { now, requirePayload: true })), /needs a payload tag/);
    assert.equal(verifyNip98(req(header(sign())), { now, requirePayload: true }).ok, true, 'no body, nothing to bind');
  });
});
