/**
 * Commit signatures checked natively instead of by @noble/curves' pure JavaScript: secp256k1 (the
 * key nearly every repo signs with) by libsecp256k1 (libsecp256k1.ts), P-256 by OpenSSL
 * (node:crypto).
 *
 * Why: every firehose commit of a watched repo is signature-checked, and noble's secp256k1 verify
 * took about 2.5 ms per commit on this machine (bench/firehose-bench.ts, profiled), capping one
 * core at a few hundred commits/s; OpenSSL took ≈420 µs, libsecp256k1 takes ≈70 µs.
 * @atproto/repo and @atproto/sync find the verifier through @atproto/crypto's exported plugin
 * objects, so the strict path of those objects is replaced: same inputs, same answers (the
 * property test holds noble as the oracle), including atproto's two rules on top of ECDSA: the
 * signature must be the 64-byte compact form (no DER) and low-S (no malleable twin). The
 * permissive path (`allowMalleableSig`, not used by commit verification) stays noble's.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { extractMultikey, extractPrefixedBytes, hasPrefix, p256Plugin, P256_DID_PREFIX, secp256k1Plugin, SECP256K1_DID_PREFIX } from '@atproto/crypto';
import { Lru } from '../../../libs/collections/index.js';
import { k256PublicKey, k256Verify } from './libsecp256k1.js';

interface Curve {
  prefix: Uint8Array;
  halfOrder: bigint;
}

const CURVES: Record<'k256' | 'p256', Curve> = {
  k256: { prefix: SECP256K1_DID_PREFIX, halfOrder: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n },
  p256: { prefix: P256_DID_PREFIX, halfOrder: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n },
};

/** P-256 SubjectPublicKeyInfo DER up to the compressed point (33 bytes follow): SEQ { SEQ { id-ecPublicKey, prime256v1 }, BIT STRING }. */
const P256_SPKI_HEAD = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

/** A did:key's public key, parsed once: libsecp256k1's form for secp256k1, OpenSSL's for P-256; null if not a point. */
type PublicKey = { k256: Uint8Array } | { p256: KeyObject } | null;

const keys = new Lru<PublicKey>(100_000);

function keyOf(did: string, curveName: keyof typeof CURVES): PublicKey {
  let key = keys.get(did);
  if (key !== undefined) return key;
  const curve = CURVES[curveName];
  const prefixed = extractPrefixedBytes(extractMultikey(did));
  if (!hasPrefix(prefixed, curve.prefix)) throw new Error(`not a ${curveName === 'k256' ? 'secp256k1' : 'P-256'} did:key: ${did}`);
  const point = prefixed.slice(curve.prefix.length);
  if (curveName === 'k256') {
    const k = k256PublicKey(point);
    key = k && { k256: k };
  } else {
    const k = p256PublicKey(point);
    key = k && { p256: k };
  }
  keys.set(did, key);
  return key;
}

function p256PublicKey(point: Uint8Array): KeyObject | null {
  if (point.length !== 33) return null;
  try {
    return createPublicKey({ key: Buffer.concat([P256_SPKI_HEAD, point]), format: 'der', type: 'spki' });
  } catch {
    return null; // not a point on the curve: no signature by it verifies
  }
}

/** The strict check: compact 64 bytes, low S, then ECDSA over SHA-256 of `data`. */
export function verifyStrict(curveName: keyof typeof CURVES, didKey: string, data: Uint8Array, sig: Uint8Array): boolean {
  const key = keyOf(didKey, curveName);
  if (!key || sig.length !== 64) return false;
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
  if (s > CURVES[curveName].halfOrder) return false;
  if ('k256' in key) return k256Verify(key.k256, data, sig);
  return verify('sha256', data, { key: key.p256, dsaEncoding: 'ieee-p1363' }, sig);
}

let installed = false;

/**
 * Same answer for the same key bytes, remembered. @atproto/crypto decompresses the signing key
 * with noble (a modular square root in JavaScript) twice per verified commit: once turning the
 * DID document's key into a did:key, once in verifySignature only to learn the key's algorithm.
 * A repo signs with one key, so per commit that was as costly as the signature check itself.
 */
function remembered(convert: (bytes: Uint8Array) => Uint8Array): (bytes: Uint8Array) => Uint8Array {
  const seen = new Lru<Uint8Array>(100_000);
  return (bytes) => {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    let out = seen.get(id);
    if (!out) {
      out = convert(bytes); // throws for bytes that are not a point: not remembered
      seen.set(id, out);
    }
    return out.slice(); // callers get their own copy, as from the original
  };
}

/** Puts the native check into @atproto/crypto's plugins (once per process). */
export function useNativeSignatureChecks(): void {
  if (installed) return;
  installed = true;
  for (const [plugin, name] of [[secp256k1Plugin, 'k256'], [p256Plugin, 'p256']] as const) {
    const p = plugin as { compressPubkey: typeof plugin.compressPubkey; decompressPubkey: typeof plugin.decompressPubkey };
    p.compressPubkey = remembered(plugin.compressPubkey);
    p.decompressPubkey = remembered(plugin.decompressPubkey);
    const noble = plugin.verifySignature;
    (plugin as { verifySignature: typeof noble }).verifySignature = async (did, data, sig, opts) =>
      opts?.allowMalleableSig ? noble(did, data, sig, opts) : verifyStrict(name, did, data, sig);
  }
}
