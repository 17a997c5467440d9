import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayPublish } from './write-policy.js';

const BRIDGED = 'b'.repeat(64);
const PERSON = 'c'.repeat(64);
const ctx = (authenticated: string[] = []) => ({ authenticated: new Set(authenticated), isBridged: (pk: string) => pk === BRIDGED });
const ev = (pubkey: string, kind: number, tags: string[][] = []) => ({ pubkey, kind, tags });

describe('bridge relay write policy', () => {
  it('NIP-70: a protected event only from its authenticated author', () => {
    assert.equal(mayPublish(ev(BRIDGED, 1, [['-']]), ctx([BRIDGED])).ok, true);
    assert.match((mayPublish(ev(BRIDGED, 1, [['-']]), ctx([PERSON])) as { message: string }).message, /^auth-required:/);
    assert.match((mayPublish(ev(PERSON, 1, [['-'], ['p', BRIDGED]]), ctx()) as { message: string }).message, /^auth-required:/);
    assert.equal(mayPublish(ev(PERSON, 1, [['-'], ['p', BRIDGED]]), ctx([PERSON])).ok, true, 'their own protected reply, authenticated');
  });

  it("a bridged identity's events, protected or not, only from the bridge", () => {
    assert.equal(mayPublish(ev(BRIDGED, 0), ctx([BRIDGED])).ok, true);
    assert.equal(mayPublish(ev(BRIDGED, 0), ctx()).ok, false);
  });

  it('others: interactions naming a bridged identity and deletions; the rest is restricted', () => {
    for (const kind of [1, 6, 7, 16, 30023]) assert.equal(mayPublish(ev(PERSON, kind, [['p', BRIDGED]]), ctx()).ok, true, `kind ${kind}`);
    assert.equal(mayPublish(ev(PERSON, 5, [['e', 'x']]), ctx()).ok, true);
    assert.match((mayPublish(ev(PERSON, 1, [['p', PERSON]]), ctx()) as { message: string }).message, /^restricted:/);
    assert.equal(mayPublish(ev(PERSON, 3, [['p', BRIDGED]]), ctx()).ok, false, 'a follow list is not addressed to anyone');
    assert.equal(mayPublish(ev(PERSON, 4, [['p', BRIDGED]]), ctx()).ok, false, 'no legacy DMs');
  });
});
