import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, generateTokenSecret, hashTokenSecret, looksLikeToken, roleAllows, tokenNameProblem } from './admin-token.js';

describe('admin tokens', () => {
  it('are 256 random bits behind a recognizable prefix, and only their hash and a short prefix are kept', () => {
    const a = generateTokenSecret();
    const b = generateTokenSecret();
    assert.notEqual(a.secret, b.secret);
    assert.ok(looksLikeToken(a.secret));
    assert.equal(a.hash, hashTokenSecret(a.secret));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.ok(a.secret.startsWith(a.prefix));
    assert.equal(a.prefix.length, 13);
  });

  it('read only "Bearer <token>" and say what is wrong otherwise', () => {
    const { secret } = generateTokenSecret();
    assert.deepEqual(bearerToken(`Bearer ${secret}`), { ok: true, token: secret });
    assert.deepEqual(bearerToken(`bearer ${secret} `), { ok: true, token: secret });
    assert.match((bearerToken(undefined) as { reason: string }).reason, /missing/);
    assert.match((bearerToken(`Token ${secret}`) as { reason: string }).reason, /must be "Bearer/);
    assert.match((bearerToken('Bearer abc') as { reason: string }).reason, /malformed/);
  });

  it('let admins do everything and moderators only moderator actions', () => {
    assert.ok(roleAllows('admin', 'admin'));
    assert.ok(roleAllows('admin', 'moderator'));
    assert.ok(roleAllows('moderator', 'moderator'));
    assert.ok(!roleAllows('moderator', 'admin'));
  });

  it('have plain names', () => {
    assert.equal(tokenNameProblem('ci-bot.2@ops'), null);
    for (const bad of ['', ' x', 'a b', 'x'.repeat(65), 42, '-x']) assert.ok(tokenNameProblem(bad), String(bad));
  });
});
