/**
 * Commit signatures checked by OpenSSL (node:crypto) instead of @noble/curves' pure JavaScript.
 *
 * Why: every firehose commit of a watched repo is signature-checked, and noble's secp256k1 verify
 * took about 2.5 ms per commit on this machine (bench/firehose-bench.ts, profiled), capping one
 * core at a few hundred commits/s; OpenSSL does the same check in a small fraction of that.
 * @atproto/repo and @atproto/sync find the verifier through @atproto/crypto's exported plugin
 * objects, so the strict path of those objects is replaced: same inputs, same answers (the
 * property test holds noble as the oracle), including atproto's two rules on top of ECDSA: the
 * signature must be the 64-byte compact form (no DER) and low-S (no malleable twin). The
 * permissive path (`allowMalleableSig`, not used by commit verification) stays noble's.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { extractMultikey, extractPrefixedBytes, hasPrefix, p256Plugin, P256_DID_PREFIX, secp256k1Plugin, SECP256K1_DID_PREFIX } from '@atproto/crypto';
import { Lru } from '../../../libs/collections/index.js';

interface Curve {
  prefix: Uint8Array;
  /** SubjectPublicKeyInfo DER up to the compressed point (33 bytes follow). */
  spkiHead: Buffer;
  halfOrder: bigint;
}

const CURVES: Record<'k256' | 'p256', Curve> = {
  k256: {
    prefix: SECP256K1_DID_PREFIX,
    // SEQ { SEQ { id-ecPublicKey, secp256k1 }, BIT STRING (0 unused bits) }
    spkiHead: Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'),
    halfOrder: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n,
  },
  p256: {
    prefix: P256_DID_PREFIX,
    spkiHead: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
    halfOrder: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n,
  },
};

const keys = new Lru<KeyObject | null>(100_000);

function keyOf(did: string, curve: Curve): KeyObject | null {
  let key = keys.get(did);
  if (key !== undefined) return key;
  const prefixed = extractPrefixedBytes(extractMultikey(did));
  if (!hasPrefix(prefixed, curve.prefix)) throw new Error(`not a ${curve === CURVES.k256 ? 'secp256k1' : 'P-256'} did:key: ${did}`);
  const point = prefixed.slice(curve.prefix.length);
  try {
    key = point.length === 33 ? createPublicKey({ key: Buffer.concat([curve.spkiHead, point]), format: 'der', type: 'spki' }) : null;
  } catch {
    key = null; // not a point on the curve: no signature by it verifies
  }
  keys.set(did, key);
  return key;
}

/** The strict check: compact 64 bytes, low S, then ECDSA over SHA-256 of `data`. */
export function verifyStrict(curveName: keyof typeof CURVES, didKey: string, data: Uint8Array, sig: Uint8Array): boolean {
  const curve = CURVES[curveName];
  const key = keyOf(didKey, curve);
  if (!key || sig.length !== 64) return false;
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
  if (s > curve.halfOrder) return false;
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
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
