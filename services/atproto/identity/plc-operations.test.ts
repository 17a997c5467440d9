import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { dagCbor, newRotationKey, operationCid, signOperation, type PlcOperation } from './plc-operations.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('PLC operations', () => {
  it('encodes canonical DAG-CBOR: map keys shorter first, then bytewise', () => {
    assert.equal(dagCbor({ bb: 1, a: 2, ab: 3 }).toString('hex'), 'a3' + '6161' + '02' + '626162' + '03' + '626262' + '01');
    assert.equal(dagCbor(null).toString('hex'), 'f6');
    assert.equal(dagCbor('x'.repeat(30)).subarray(0, 2).toString('hex'), '781e');
  });

  it('secp256k1 did:key, low-S signatures that verify, a CIDv1 dag-cbor id', () => {
    const k = newRotationKey();
    assert.match(k.didKey, /^did:key:zQ3s[1-9A-HJ-NP-Za-km-z]+$/);
    const op: Omit<PlcOperation, 'sig'> = {
      type: 'plc_operation', rotationKeys: [k.didKey], verificationMethods: { atproto: k.didKey },
      alsoKnownAs: ['at://alice-ap.test', 'https://mastodon.example/users/alice'],
      services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://pds.example' } }, prev: null,
    };
    for (let i = 0; i < 20; i++) {
      const signed = signOperation(op, k.pkcs8);
      const sig = Buffer.from(signed.sig!, 'base64url');
      assert.equal(sig.length, 64);
      assert.ok(BigInt(`0x${sig.subarray(32).toString('hex')}`) <= N / 2n, 'low-S');
      const pub = createPublicKey(createPrivateKey({ key: k.pkcs8, format: 'der', type: 'pkcs8' }));
      assert.ok(verify('sha256', dagCbor(op), { key: pub, dsaEncoding: 'ieee-p1363' }, sig));
      assert.match(operationCid(signed), /^bafyrei[a-z2-7]{52}$/);
    }
  });
});
