import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractMultikey, extractPrefixedBytes, P256Keypair, p256Plugin, Secp256k1Keypair, secp256k1Plugin, verifySignature } from '@atproto/crypto';
import fc from 'fast-check';
import { base58btc } from 'multiformats/bases/base58';
import { libsecp256k1Loaded, libsecp256k1LoadError } from './libsecp256k1.js';
import { useNativeSignatureChecks, verifyStrict } from './native-signature.js';

const ORDER = {
  k256: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
};

/** The same signature with S replaced by n − S: valid ECDSA, refused by atproto (malleable). */
function highS(sig: Uint8Array, n: bigint): Uint8Array {
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
  const out = Buffer.from(sig);
  Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex').copy(out, 32);
  return out;
}

/** The DER encoding of a compact signature (ECDSA's other wire form, also refused). */
function der(sig: Uint8Array): Uint8Array {
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1);
    if (v[0]! >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(Buffer.from(sig.subarray(0, 32))), int(Buffer.from(sig.subarray(32)))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** r or s replaced by a value (0, the order n: out of range, refused before any curve arithmetic). */
function withScalar(sig: Uint8Array, half: 'r' | 's', value: bigint): Uint8Array {
  const out = Buffer.from(sig);
  Buffer.from(value.toString(16).padStart(64, '0'), 'hex').copy(out, half === 'r' ? 0 : 32);
  return out;
}

/** A did:key of the same curve whose 33 bytes are no point on it (x nudged until noble says so). */
function offCurveDid(did: string, plugin: typeof secp256k1Plugin): string {
  const prefixed = extractPrefixedBytes(extractMultikey(did));
  const prefixLength = prefixed.length - 33;
  for (let i = 1; i < 256; i++) {
    const bytes = Uint8Array.from(prefixed);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ i;
    try {
      plugin.decompressPubkey(bytes.subarray(prefixLength));
    } catch {
      return `did:key:${base58btc.encode(bytes)}`;
    }
  }
  throw new Error('no off-curve key found');
}

describe('native commit signature check agrees with @atproto/crypto (noble) on every case', () => {
  for (const curve of ['k256', 'p256'] as const) {
    it(`${curve}: valid, tampered data, other key, high-S twin, DER, r or s of 0 or n, off-curve key, noise`, async () => {
      const make = () => (curve === 'k256' ? Secp256k1Keypair.create() : P256Keypair.create());
      const [me, other] = [await make(), await make()];
      const offCurve = offCurveDid(me.did(), curve === 'k256' ? secp256k1Plugin : p256Plugin);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 512 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), async (data, noise) => {
          const sig = await me.sign(data);
          const tampered = Uint8Array.from(data.length ? [data[0]! ^ 1, ...data.subarray(1)] : [1]);
          const cases: [string, string, Uint8Array, Uint8Array][] = [
            ['valid', me.did(), data, sig],
            ['r = 0', me.did(), data, withScalar(sig, 'r', 0n)],
            ['s = 0', me.did(), data, withScalar(sig, 's', 0n)],
            ['r = n', me.did(), data, withScalar(sig, 'r', ORDER[curve])],
            ['s = n', me.did(), data, withScalar(sig, 's', ORDER[curve])],
            ['all zero', me.did(), data, new Uint8Array(64)],
            ['off-curve key', offCurve, data, sig],
            ['tampered', me.did(), tampered, sig],
            ['other key', other.did(), data, sig],
            ['high-S', me.did(), data, highS(sig, ORDER[curve])],
            ['DER', me.did(), data, der(sig)],
            ['noise', me.did(), data, noise],
          ];
          for (const [what, did, d, s] of cases) {
            const oracle = await Promise.resolve().then(() => verifySignature(did, d, s)).catch(() => false); // an off-curve key throws at once
            assert.equal(verifyStrict(curve, did, d, s), oracle, `${what}: native and noble disagree`);
            // Both native paths: libsecp256k1 and the OpenSSL fallback for secp256k1.
            for (const via of curve === 'k256' ? (['libsecp256k1', 'openssl'] as const) : (['openssl'] as const)) assert.equal(verifyStrict(curve, did, d, s, via), oracle, `${what}: ${via} and noble disagree`);
          }
          assert.equal(verifyStrict(curve, me.did(), data, sig), true, 'a valid signature verifies');
        }),
        { numRuns: 60, seed: 20261126 },
      );
    });
  }

  it('libsecp256k1 loads here (the prebuilt binary for this platform), so secp256k1 does not fall back to OpenSSL', () => {
    assert.equal(libsecp256k1Loaded(), true, libsecp256k1LoadError());
  });

  it('a did:key of the other curve is an error, as in @atproto/crypto', async () => {
    const k = await Secp256k1Keypair.create();
    assert.throws(() => verifyStrict('p256', k.did(), new Uint8Array(1), new Uint8Array(64)), /not a P-256 did:key/);
  });

  it('remembered key (de)compression gives the same bytes, a copy each time, and still refuses what is not a point', async () => {
    const cases = [[secp256k1Plugin, await Secp256k1Keypair.create()], [p256Plugin, await P256Keypair.create()]] as const;
    const before = cases.map(([plugin, k]) => {
      const compressed = Buffer.from(k.publicKeyBytes());
      return { compressed, full: plugin.decompressPubkey(compressed) };
    });
    useNativeSignatureChecks();
    cases.forEach(([plugin], i) => {
      const { compressed, full } = before[i]!;
      const a = plugin.decompressPubkey(compressed);
      assert.deepEqual(a, full);
      a.fill(0);
      assert.deepEqual(plugin.decompressPubkey(compressed), full, 'a caller changing its copy changes nothing remembered');
      assert.deepEqual(Buffer.from(plugin.compressPubkey(full)), compressed);
      const bad = Buffer.from(compressed);
      bad[0] = 0x05;
      assert.throws(() => plugin.decompressPubkey(bad));
      assert.throws(() => plugin.decompressPubkey(bad), 'not remembered as valid');
    });
  });
});
