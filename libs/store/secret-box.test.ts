import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { parseKeyring, parseMasterKey, SecretBox, SecretBoxError } from './secret-box.js';

const key = randomBytes(32);
const plaintext = Buffer.from('a private key, say');

describe('SecretBox', () => {
  test('seal then open returns the plaintext; each seal uses a fresh iv', () => {
    const box = new SecretBox(key);
    const a = box.seal(plaintext);
    const b = box.seal(plaintext);
    assert.deepEqual(box.open(a), plaintext);
    assert.notDeepEqual(a.iv, b.iv);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
    assert.equal(a.ciphertext.indexOf(plaintext), -1);
    assert.equal(a.keyVersion, 1);
  });

  test('a wrong key, tampered bytes or another context throw SecretBoxError', () => {
    const box = new SecretBox(key);
    const sealed = box.seal(plaintext, 'identity-1:signing');
    const flip = (b: Buffer) => Buffer.concat([Buffer.from([b[0]! ^ 1]), b.subarray(1)]);
    const fails = (fn: () => unknown) => assert.throws(fn, (e: Error) => e instanceof SecretBoxError && /wrong master key|tampered/.test(e.message));
    fails(() => new SecretBox(randomBytes(32)).open(sealed, 'identity-1:signing'));
    fails(() => box.open({ ...sealed, ciphertext: flip(sealed.ciphertext) }, 'identity-1:signing'));
    fails(() => box.open({ ...sealed, authTag: flip(sealed.authTag) }, 'identity-1:signing'));
    fails(() => box.open({ ...sealed, iv: flip(sealed.iv) }, 'identity-1:signing'));
    fails(() => box.open(sealed, 'identity-2:signing'));
    fails(() => box.open(sealed));
    assert.throws(() => box.open({ ...sealed, authTag: sealed.authTag.subarray(0, 4) }), /malformed/);
  });

  test('versioned keys: new seals use the newest, old ones still open, unknown versions say so', () => {
    const k2 = randomBytes(32);
    const old = new SecretBox([{ version: 1, key }]).seal(plaintext);
    const ring = new SecretBox([{ version: 1, key }, { version: 2, key: k2 }]);
    assert.equal(ring.currentVersion, 2);
    assert.deepEqual(ring.open(old), plaintext);
    const fresh = ring.seal(plaintext);
    assert.equal(fresh.keyVersion, 2);
    assert.throws(() => new SecretBox([{ version: 1, key }]).open(fresh), /no master key for key_version 2/);
    assert.equal(new SecretBox([{ version: 1, key }, { version: 2, key: k2 }], { currentVersion: 1 }).seal(plaintext).keyVersion, 1);
  });

  test('keys parse from hex and base64 (and keyrings); bad keys are refused without being echoed', () => {
    assert.deepEqual(parseMasterKey(key.toString('hex')), key);
    assert.deepEqual(parseMasterKey(key.toString('base64')), key);
    assert.deepEqual(parseMasterKey(key.toString('base64url')), key);
    const bad = 'c2hvcnQta2V5LXRoYXQtaXMtbm90LTMyLWJ5dGVz';
    assert.throws(() => parseMasterKey(bad), (e: Error) => e instanceof SecretBoxError && !e.message.includes(bad));
    assert.throws(() => parseMasterKey('zz' + key.toString('hex').slice(2)), SecretBoxError);
    assert.throws(() => new SecretBox([]), SecretBoxError);
    assert.throws(() => new SecretBox([{ version: 1, key }, { version: 1, key }]), /twice/);

    const hex2 = randomBytes(32).toString('hex');
    const ring = parseKeyring(`2:${hex2}, 1:${key.toString('base64')}`);
    assert.deepEqual(ring.map((k) => k.version), [2, 1]);
    assert.equal(new SecretBox(`2:${hex2},1:${key.toString('hex')}`).currentVersion, 2);
    assert.deepEqual(parseKeyring(key.toString('hex')), [{ version: 1, key: key.toString('hex') }]);
  });

  test('neither inspect nor JSON shows key bytes', () => {
    const box = new SecretBox(key);
    for (const text of [inspect(box, { showHidden: true, depth: 5 }), JSON.stringify(box), String(box)]) {
      assert.ok(!text.includes(key.toString('hex')) && !text.includes(key.toString('base64')), text);
    }
  });
});
