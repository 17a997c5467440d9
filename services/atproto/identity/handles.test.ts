import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgedHandle, isValidHandle, LABEL_MAX } from './handles.js';

const label = (h: string, domain: string) => h.slice(0, -domain.length);

describe('bridged handles', () => {
  const D = '.bsky.pontis.example';
  it('follows the scheme <name>-<net>.<domain>', () => {
    assert.equal(bridgedHandle({ network: 'activitypub', nativeId: 'https://mastodon.example/users/alice', handle: '@alice@mastodon.example' }, D).handle, `alice-ap${D}`);
    assert.equal(bridgedHandle({ network: 'nostr', nativeId: 'f'.repeat(64), handle: 'bob@nostr.example' }, D).handle, `bob-nostr${D}`);
    assert.equal(bridgedHandle({ network: 'solid', nativeId: 'https://pod.example/carol/profile/card#me' }, D).handle, `carol-solid${D}`);
  });

  it('maps characters handles do not allow, and folds diacritics', () => {
    const h = bridgedHandle({ network: 'activitypub', nativeId: 'https://x.example/u/1', handle: '@__Zoë.Ünïcode~_@x.example' }, D).handle;
    assert.equal(h, `zoe-unicode-ap${D}`);
    assert.ok(isValidHandle(h));
  });

  it('keeps the label within the PDS limit and gives a distinct, stable fallback', () => {
    const src = { network: 'activitypub', nativeId: 'https://a.example/users/averyveryverylongusername', handle: '@averyveryverylongusername@a.example' };
    const a = bridgedHandle(src, D);
    const b = bridgedHandle({ ...src, nativeId: 'https://b.example/users/averyveryverylongusername' }, D);
    for (const h of [a.handle, a.fallback, b.fallback]) {
      assert.ok(label(h, D).length <= LABEL_MAX, h);
      assert.ok(isValidHandle(h), h);
    }
    assert.equal(a.handle, b.handle, 'same name on two instances: the first choice collides…');
    assert.notEqual(a.fallback, b.fallback, '…the fallbacks do not');
    assert.deepEqual(bridgedHandle(src, D), a);
  });

  it('never yields an empty or too short label', () => {
    for (const handle of ['@_@x.example', '@--@x.example', '']) {
      const c = bridgedHandle({ network: 'activitypub', nativeId: 'https://x.example/u/💥', handle }, '.test');
      assert.ok(isValidHandle(c.handle) && label(c.handle, '.test').length >= 3, c.handle);
    }
  });
});
