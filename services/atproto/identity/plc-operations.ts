/**
 * did:plc update operations signed with a rotation key the bridge holds (secp256k1), written
 * here from the spec (https://web.plc.directory/spec/v0.1/did-plc) with node:crypto: DAG-CBOR of
 * the unsigned operation, ECDSA-SHA256 low-S signature in compact form, base64url. The PDS puts
 * our key first in the genesis op's `rotationKeys` (createAccount `recoveryKey`), so PLC accepts
 * our updates: `alsoKnownAs` pointing at the person's original, and later handing the DID over.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** multicodec secp256k1-pub (0xe7) as varint. */
const SECP256K1_PUB = Uint8Array.from([0xe7, 0x01]);

export interface PlcOperation {
  type: 'plc_operation';
  rotationKeys: string[];
  verificationMethods: Record<string, string>;
  alsoKnownAs: string[];
  services: Record<string, { type: string; endpoint: string }>;
  prev: string | null;
  sig?: string;
}

/** A new secp256k1 rotation key: PKCS#8 DER to keep (encrypted), and its did:key. */
export function newRotationKey(): { pkcs8: Buffer; didKey: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  return { pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }), didKey: didKeyOf(privateKey) };
}

export function didKeyOf(key: KeyObject): string {
  const pub = createPublicKey(key).export({ format: 'der', type: 'spki' });
  // SPKI DER for an EC key ends with the uncompressed point 04||X||Y (65 bytes).
  const point = pub.subarray(pub.length - 65);
  const compressed = Buffer.concat([Buffer.from([(point[64]! & 1) === 0 ? 0x02 : 0x03]), point.subarray(1, 33)]);
  return `did:key:z${base58btc(Buffer.concat([SECP256K1_PUB, compressed]))}`;
}

/** Signs `op` (without `sig`) with the PKCS#8 key. */
export function signOperation(op: Omit<PlcOperation, 'sig'>, pkcs8: Buffer): PlcOperation {
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const raw = sign('sha256', dagCbor(op), { key, dsaEncoding: 'ieee-p1363' });
  // atproto requires low-S signatures (malleability): s > n/2 becomes n - s.
  let s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  if (s > SECP256K1_N / 2n) s = SECP256K1_N - s;
  const sig = Buffer.concat([raw.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]);
  return { ...op, sig: sig.toString('base64url') };
}

/** CIDv1 (dag-cbor, sha2-256) of an operation, base32: what the next operation's `prev` names. */
export function operationCid(op: PlcOperation): string {
  const digest = createHash('sha256').update(dagCbor(op)).digest();
  return `b${base32(Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), digest]))}`;
}

/** Canonical DAG-CBOR for the JSON values an operation holds (maps, arrays, strings, null, small ints). */
export function dagCbor(value: unknown): Buffer {
  const out: number[] = [];
  const head = (major: number, n: number) => {
    if (n < 24) out.push((major << 5) | n);
    else if (n < 0x100) out.push((major << 5) | 24, n);
    else if (n < 0x10000) out.push((major << 5) | 25, n >> 8, n & 0xff);
    else out.push((major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  };
  const enc = (v: unknown): void => {
    if (v === null) return void out.push(0xf6);
    if (typeof v === 'boolean') return void out.push(v ? 0xf5 : 0xf4);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return head(0, v);
    if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      head(3, b.length);
      for (const x of b) out.push(x);
      return;
    }
    if (Array.isArray(v)) {
      head(4, v.length);
      v.forEach(enc);
      return;
    }
    if (typeof v === 'object') {
      // DAG-CBOR map key order: shorter first, then bytewise.
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      entries.sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
      head(5, entries.length);
      for (const [k, x] of entries) {
        enc(k);
        enc(x);
      }
      return;
    }
    throw new Error(`cannot encode ${typeof v} in a PLC operation`);
  };
  enc(value);
  return Buffer.from(out);
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58btc(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)]! + s;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    s = `1${s}`;
  }
  return s;
}

function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let s = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      s += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) s += alphabet[(value << (5 - bits)) & 31];
  return s;
}
