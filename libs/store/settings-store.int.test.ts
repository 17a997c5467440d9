import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultSettings, loadSettings, SettingsError, updateSettings } from './settings-store.js';
import { createTestStore, type TestStore } from './testing.js';

describe('settings store', { timeout: 60_000 }, () => {
  let s: TestStore;
  before(async () => {
    s = await createTestStore();
  });
  after(async () => {
    await s?.drop();
  });

  const auditRows = (): Promise<{ actor: string; action: string; target: string; detail: any }[]> =>
    s.ds.query(`SELECT actor, action, target, detail FROM audit_log ORDER BY id`);

  test('loads the seeded defaults', async () => {
    assert.deepEqual(await loadSettings(s.ds), defaultSettings());
  });

  test('update merges, normalizes, persists and writes an audit row', async () => {
    const next = await updateSettings(s.ds, { networks: { nostr: false }, blockedDomains: ['Spam.Example.', 'spam.example', 'b.example'] }, 'admin:alice');
    assert.deepEqual(next.networks, { activitypub: true, atproto: true, nostr: false, solid: true });
    assert.deepEqual(next.blockedDomains, ['b.example', 'spam.example']);
    assert.deepEqual(await loadSettings(s.ds), next);

    const audit = await auditRows();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor, 'admin:alice');
    assert.equal(audit[0]!.action, 'settings.update');
    assert.deepEqual(Object.keys(audit[0]!.detail.changed).sort(), ['blockedDomains', 'networks']);
  });

  test('an invalid patch changes nothing and writes no audit row', async () => {
    const before = await loadSettings(s.ds);
    const auditBefore = (await auditRows()).length;
    await assert.rejects(updateSettings(s.ds, { networks: { myspace: true } as never }, 'admin:alice'), SettingsError);
    await assert.rejects(updateSettings(s.ds, { defaultConsent: 'maybe' as never }, 'admin:alice'), SettingsError);
    await assert.rejects(updateSettings(s.ds, { allowedDomains: ['not a domain'] }, 'admin:alice'), SettingsError);
    await assert.rejects(updateSettings(s.ds, { defaultConsent: 'opt-out' }, '  '), SettingsError);
    assert.deepEqual(await loadSettings(s.ds), before);
    assert.equal((await auditRows()).length, auditBefore);
  });

  test('a failure after the settings write rolls back both', async () => {
    // Break the audit insert: the settings change must not survive without it.
    await s.ds.query(`ALTER TABLE audit_log ADD CONSTRAINT ck_test_no_bob CHECK (actor <> 'admin:bob')`);
    try {
      await assert.rejects(updateSettings(s.ds, { defaultConsent: 'opt-out' }, 'admin:bob'), { code: '23514' });
      assert.equal((await loadSettings(s.ds)).defaultConsent, 'opt-in');
    } finally {
      await s.ds.query(`ALTER TABLE audit_log DROP CONSTRAINT ck_test_no_bob`);
    }
  });
});
