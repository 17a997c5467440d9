import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { seedAccount } from '../testing/index.js';
import { issueAccountToken, linkNativeIdentity, readAccountToken } from './native-link.js';
import { sealToken } from './sealed-token.js';
import { SecretBox } from './secret-box.js';
import { createTestStore, type TestStore } from './testing.js';

describe('one person, several networks: account tokens and linking native identities (real Postgres)', () => {
  let s: TestStore;
  const box = new SecretBox(randomBytes(32));
  const accountOf = async (network: string, id: string) => ((await s.ds.query(`SELECT account_id FROM identities WHERE network = $1 AND native_id = $2`, [network, id])) as { account_id: string }[])[0]?.account_id;
  const account = async (id: string) => ((await s.ds.query(`SELECT consent, mirror FROM accounts WHERE id = $1`, [id])) as { consent: string; mirror: Record<string, string> }[])[0];

  before(async () => {
    s = await createTestStore();
  });
  after(async () => {
    await s?.drop();
  });

  it('a token names its account for an hour; a forged, expired or foreign one is refused with the reason', () => {
    const now = Date.UTC(2026, 10, 26, 10);
    const token = issueAccountToken(box, 'acct-1', now);
    assert.deepEqual(readAccountToken(box, token, now + 60_000), { ok: true, accountId: 'acct-1' });
    assert.deepEqual(readAccountToken(box, undefined, now), { ok: true });
    assert.equal(readAccountToken(box, token, now + 3_601_000).ok, false, 'expired');
    assert.equal(readAccountToken(new SecretBox(randomBytes(32)), token, now).ok, false, 'another bridge');
    const [v, iv, tag, ct] = token.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    assert.equal(readAccountToken(box, [v, iv, tag, flipped.toString('base64url')].join('.'), now).ok, false, 'tampered');
    // Sealed by the same key for another use (a login cookie): not an account token.
    assert.equal(readAccountToken(box, sealToken(box, 'pontis.solid.login', { a: 'acct-1' }, 60, now), now).ok, false, 'other purpose');
    const refused = readAccountToken(box, 'nonsense', now);
    assert.ok(!refused.ok && /pontis-account/.test(refused.reason));
  });

  it('links a new identity into a new account, or into the account of the token; the person’s mirror choices win over defaults', async () => {
    const first = await linkNativeIdentity(s.ds, { network: 'nostr', nativeId: 'a1'.repeat(32) });
    assert.ok(first.ok && first.created && !first.joined);
    await s.ds.query(`UPDATE accounts SET mirror = '{"solid":"native"}' WHERE id = $1`, [first.accountId]);
    const second = await linkNativeIdentity(s.ds, { network: 'solid', nativeId: 'https://ann.pod.example/profile/card#me', intoAccount: first.accountId, mirrorDefaults: { solid: 'off', atproto: 'bridged' } });
    assert.ok(second.ok && second.joined && !second.created);
    assert.equal(await accountOf('solid', 'https://ann.pod.example/profile/card#me'), first.accountId);
    assert.deepEqual(await account(first.accountId), { consent: 'opted_in', mirror: { solid: 'native', atproto: 'bridged' } });
    // The same proof again changes nothing.
    const again = await linkNativeIdentity(s.ds, { network: 'solid', nativeId: 'https://ann.pod.example/profile/card#me', intoAccount: first.accountId });
    assert.ok(again.ok && !again.created && again.accountId === first.accountId);
  });

  it('an identity alone in its own account moves to the token’s account (the old one is opted out); one with company there is refused', async () => {
    const home = await linkNativeIdentity(s.ds, { network: 'atproto', nativeId: 'did:plc:homeaccount' });
    const alone = await linkNativeIdentity(s.ds, { network: 'activitypub', nativeId: 'https://social.example/users/ben' });
    assert.ok(home.ok && alone.ok);
    const moved = await linkNativeIdentity(s.ds, { network: 'activitypub', nativeId: 'https://social.example/users/ben', intoAccount: home.accountId });
    assert.ok(moved.ok && moved.joined);
    assert.equal(await accountOf('activitypub', 'https://social.example/users/ben'), home.accountId);
    assert.equal((await account(alone.accountId))!.consent, 'opted_out');

    const busy = await seedAccount(s.ds, [
      { network: 'atproto', id: 'did:plc:busyaccount', kind: 'native' },
      { network: 'nostr', id: 'b2'.repeat(32), kind: 'bridged', handle: 'busy@pontis.example' },
    ]);
    const refused = await linkNativeIdentity(s.ds, { network: 'atproto', nativeId: 'did:plc:busyaccount', intoAccount: home.accountId });
    assert.ok(!refused.ok && refused.status === 409 && /unlink/.test(refused.reason));
    assert.equal(await accountOf('atproto', 'did:plc:busyaccount'), busy);
  });

  it('never claims one of the bridge’s own identities, nor joins an account that is gone or taken down', async () => {
    await seedAccount(s.ds, [{ network: 'nostr', id: 'c3'.repeat(32), kind: 'bridged', handle: 'proxy@pontis.example' }]);
    const own = await linkNativeIdentity(s.ds, { network: 'nostr', nativeId: 'c3'.repeat(32) });
    assert.ok(!own.ok && own.status === 409);
    const gone = await linkNativeIdentity(s.ds, { network: 'nostr', nativeId: 'd4'.repeat(32), intoAccount: '00000000-0000-4000-8000-000000000000' });
    assert.ok(!gone.ok && gone.status === 404);
    const down = await linkNativeIdentity(s.ds, { network: 'nostr', nativeId: 'e5'.repeat(32) });
    assert.ok(down.ok);
    await s.ds.query(`UPDATE accounts SET status = 'taken_down' WHERE id = $1`, [down.accountId]);
    const blocked = await linkNativeIdentity(s.ds, { network: 'atproto', nativeId: 'did:plc:latecomer', intoAccount: down.accountId });
    assert.ok(!blocked.ok && blocked.status === 409 && /taken down/.test(blocked.reason));
  });
});
