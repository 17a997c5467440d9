import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLinkCode, issueLinkCode, postTexts, profileTexts } from './link-code.js';

const secret = Buffer.alloc(32, 9);
const alice = 'https://mastodon.example/users/alice';
const T0 = Date.parse('2026-11-26T10:00:00Z');
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

describe('fediverse link codes', () => {
  const { code, expiresAt } = issueLinkCode(secret, alice, T0, 60_000);

  it('are found in any text, HTML included, until they expire', () => {
    assert.match(code, /^pontis-[0-9a-z]+-[0-9a-f]{20}$/);
    assert.equal(expiresAt, '2026-11-26T10:01:00.000Z');
    const found = findLinkCode(secret, alice, [{ where: 'summary', text: `<p>verifying my bridge: <span>${code}</span></p>` }], T0 + 59_000);
    assert.deepEqual(found, { ok: true, code, where: 'summary' });
    assert.deepEqual(findLinkCode(secret, alice, [{ where: 'summary', text: code }], T0 + 61_000), { ok: false, reason: 'the code found has expired: ask for a new one' });
  });

  it('prove nothing for another actor, with another secret, or when altered', () => {
    assert.match((findLinkCode(secret, 'https://mastodon.example/users/mallory', [{ where: 'post', text: code }], T0) as { reason: string }).reason, /not issued for this account/);
    assert.equal(findLinkCode(Buffer.alloc(32, 1), alice, [{ where: 'post', text: code }], T0).ok, false);
    const later = code.replace(/^pontis-([0-9a-z]+)-/, (_m, e: string) => `pontis-${(parseInt(e, 36) + 3600).toString(36)}-`);
    assert.equal(findLinkCode(secret, alice, [{ where: 'post', text: later }], T0).ok, false, 'the expiry is part of the MAC');
    assert.match((findLinkCode(secret, alice, [{ where: 'summary', text: 'hello' }], T0) as { reason: string }).reason, /no code found/);
  });

  it('a valid code wins over a foreign one found before it', () => {
    const other = issueLinkCode(secret, 'https://elsewhere.example/u/bob', T0).code;
    assert.equal(findLinkCode(secret, alice, [{ where: 'summary', text: other }, { where: 'field Bridge', text: code }], T0).ok, true);
  });

  it('profile texts: bio, name, PropertyValue fields (Mastodon HTML), alsoKnownAs, url', () => {
    const texts = profileTexts({
      id: alice,
      type: 'Person',
      name: 'Alice',
      summary: '<p>bio</p>',
      url: 'https://mastodon.example/@alice',
      alsoKnownAs: [`https://proof.example/${code}`],
      attachment: [{ type: 'PropertyValue', name: 'Bridge', value: `<a href="https://pontis.example" rel="me">${code}</a>` }],
    });
    assert.deepEqual(texts.map((t) => t.where), ['summary', 'name', 'field Bridge', 'alsoKnownAs', 'url']);
    assert.equal(findLinkCode(secret, alice, texts, T0).ok, true);
  });

  it('post texts: only public Creates by the actor of their own objects', () => {
    const create = (over: Record<string, unknown>, obj: Record<string, unknown> = {}) => ({ type: 'Create', actor: alice, object: { id: `${alice}/statuses/1`, type: 'Note', attributedTo: alice, to: [PUBLIC], content: `<p>${code}</p>`, ...obj }, ...over });
    assert.equal(postTexts(alice, [create({})]).length, 1);
    assert.equal(postTexts(alice, [create({}, { to: [`${alice}/followers`] })]).length, 0, 'followers-only');
    assert.equal(postTexts(alice, [create({ actor: 'https://x.example/u/m' })]).length, 0, 'someone else’s activity');
    assert.equal(postTexts(alice, [create({}, { attributedTo: 'https://x.example/u/m' })]).length, 0, 'someone else’s note');
    assert.equal(postTexts(alice, [{ type: 'Announce', actor: alice, object: `${alice}/statuses/1` }, 'https://x.example/activity']).length, 0);
  });
});
