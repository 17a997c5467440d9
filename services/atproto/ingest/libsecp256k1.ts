/**
 * secp256k1 ECDSA verification by libsecp256k1 (bitcoin-core's C library), through the `secp256k1`
 * package's N-API prebuilt binary; the one place that package is used.
 *
 * Why: a firehose commit's signature check took ≈410-430 µs of CPU through OpenSSL here, against
 * ≈65-75 µs for libsecp256k1 and ≈310 µs for its WebAssembly build (`tiny-secp256k1`), measured
 * side by side on this machine (docs/BENCHMARKS.md); at every commit watched it was the largest
 * single cost. `secp256k1/bindings` is loaded, not the package's main file, which falls back to
 * pure JavaScript (elliptic, slower than OpenSSL) when the binary does not load; here the caller
 * is told (`libsecp256k1Loaded`) and uses OpenSSL instead, with a warning.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

interface Binding {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  publicKeyVerify(pubkey: Uint8Array): boolean;
  publicKeyConvert(pubkey: Uint8Array, compressed: boolean): Uint8Array;
}

let binding: Binding | null | undefined;
let loadError: string | undefined;

function load(): Binding | null {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)('secp256k1/bindings') as Binding;
    } catch (err) {
      binding = null;
      loadError = (err as Error).message;
    }
  }
  return binding;
}

/** False where the binary does not load (no prebuilt one for this platform): the caller checks by other means. */
export function libsecp256k1Loaded(): boolean {
  return load() !== null;
}

export function libsecp256k1LoadError(): string | undefined {
  load();
  return loadError;
}

function lib(): Binding {
  const b = load();
  if (!b) throw new Error(`libsecp256k1 is not available: ${loadError}`);
  return b;
}

/**
 * A compressed (33-byte) point as the library wants it, uncompressed once so each check skips
 * the square root; null when the bytes are not a point on the curve.
 */
export function k256PublicKey(compressed: Uint8Array): Uint8Array | null {
  if (compressed.length !== 33 || !lib().publicKeyVerify(compressed)) return null;
  return lib().publicKeyConvert(compressed, false);
}

/**
 * ECDSA over SHA-256 of `data`, signature in the 64-byte compact form (r‖s). libsecp256k1 itself
 * refuses a high-S signature and an r or s out of range (the package throws for the latter: a
 * refusal too).
 */
export function k256Verify(publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  const digest = createHash('sha256').update(data).digest();
  try {
    return lib().ecdsaVerify(sig, digest, publicKey);
  } catch {
    return false;
  }
}
