/**
 * Commit signatures checked natively instead of by @noble/curves' pure JavaScript: secp256k1 (the
 * key nearly every repo signs with) by libsecp256k1 (libsecp256k1.ts; by OpenSSL where its binary
 * does not load), P-256 by OpenSSL (node:crypto).
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
import { createLogger } from '../../../libs/observability/index.js';
import { k256PublicKey, k256Verify, libsecp256k1Loaded, libsecp256k1LoadError } from './libsecp256k1.js';

interface Curve {
  prefix: Uint8Array;
  /** SubjectPublicKeyInfo DER up to the compressed point (33 bytes follow), for OpenSSL. */
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

type CurveName = keyof typeof CURVES;
export type Verifier = 'libsecp256k1' | 'openssl';

/** Parsed public keys per did:key and verifier; null: the bytes are no point on the curve. */
const keys = { libsecp256k1: new Lru<Uint8Array | null>(100_000), openssl: new Lru<KeyObject | null>(100_000) };

function pointOf(did: string, curveName: CurveName): Uint8Array {
  const prefixed = extractPrefixedBytes(extractMultikey(did));
  if (!hasPrefix(prefixed, CURVES[curveName].prefix)) throw new Error(`not a ${curveName === 'k256' ? 'secp256k1' : 'P-256'} did:key: ${did}`);
  return prefixed.slice(CURVES[curveName].prefix.length);
}

function cached<K>(cache: Lru<K | null>, did: string, parse: () => K | null): K | null {
  let key = cache.get(did);
  if (key === undefined) cache.set(did, (key = parse()));
  return key;
}

function opensslKey(point: Uint8Array, curve: Curve): KeyObject | null {
  if (point.length !== 33) return null;
  try {
    return createPublicKey({ key: Buffer.concat([curve.spkiHead, point]), format: 'der', type: 'spki' });
  } catch {
    return null; // not a point on the curve: no signature by it verifies
  }
}

/**
 * The strict check: compact 64 bytes, low S, then ECDSA over SHA-256 of `data`. secp256k1 by
 * libsecp256k1 where its binary loads, else (and for P-256) by OpenSSL; `via` picks one (tests).
 */
export function verifyStrict(curveName: CurveName, didKey: string, data: Uint8Array, sig: Uint8Array, via: Verifier = curveName === 'k256' && libsecp256k1Loaded() ? 'libsecp256k1' : 'openssl'): boolean {
  const curve = CURVES[curveName];
  if (via === 'libsecp256k1' && curveName !== 'k256') throw new Error('libsecp256k1 checks secp256k1 only');
  const key = via === 'libsecp256k1' ? cached(keys.libsecp256k1, didKey, () => k256PublicKey(pointOf(didKey, curveName))) : cached(keys.openssl, didKey, () => opensslKey(pointOf(didKey, curveName), curve));
  if (!key || sig.length !== 64) return false;
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
  if (s > curve.halfOrder) return false;
  if (key instanceof Uint8Array) return k256Verify(key, data, sig);
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
  // A platform without a prebuilt binary (the package ships linux-x64, darwin-arm64, win32-x64):
  // still correct, about six times the CPU per commit.
  if (!libsecp256k1Loaded()) createLogger('atproto-ingest').warn('libsecp256k1 did not load: secp256k1 commit signatures are checked by OpenSSL', { err: libsecp256k1LoadError() });
  for (const [plugin, name] of [[secp256k1Plugin, 'k256'], [p256Plugin, 'p256']] as const) {
    const p = plugin as { compressPubkey: typeof plugin.compressPubkey; decompressPubkey: typeof plugin.decompressPubkey };
    p.compressPubkey = remembered(plugin.compressPubkey);
    p.decompressPubkey = remembered(plugin.decompressPubkey);
    const noble = plugin.verifySignature;
    (plugin as { verifySignature: typeof noble }).verifySignature = async (did, data, sig, opts) =>
      opts?.allowMalleableSig ? noble(did, data, sig, opts) : verifyStrict(name, did, data, sig);
  }
}
