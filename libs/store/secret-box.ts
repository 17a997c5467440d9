import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  /** Which master key sealed it, so old rows still open after a rotation. */
  keyVersion: number;
}

export interface MasterKey {
  version: number;
  /** 32 bytes, or base64 / hex text of 32 bytes. */
  key: string | Buffer;
}

/** Never carries key or plaintext bytes in its message. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12; // GCM's native nonce size
const TAG_BYTES = 16;

/** Parses a 32-byte key from hex or base64 (standard or url-safe). The message never echoes the key. */
export function parseMasterKey(key: string | Buffer): Buffer {
  if (Buffer.isBuffer(key)) {
    if (key.length !== 32) throw new SecretBoxError(`master key must be 32 bytes, got ${key.length}`);
    return Buffer.from(key);
  }
  const text = key.trim();
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  // Buffer.from(..., 'base64') silently skips bad characters, so check the alphabet first.
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === 32) return bytes;
  }
  throw new SecretBoxError('master key must be 32 bytes given as 64 hex characters or base64');
}

/**
 * Parses "PONTIS_MASTER_KEY" style input: one bare key (version 1), or a keyring
 * "2:<key>,1:<key>" to rotate (new rows use the highest version, old ones still open).
 */
export function parseKeyring(spec: string): MasterKey[] {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 1 && !/^\d+:/.test(parts[0]!)) return [{ version: 1, key: parts[0]! }];
  return parts.map((part) => {
    const m = /^(\d+):(.+)$/.exec(part);
    if (!m) throw new SecretBoxError('keyring entries must look like <version>:<key>');
    return { version: Number(m[1]), key: m[2]! };
  });
}

/**
 * AES-256-GCM with versioned master keys. `aad` binds a ciphertext to its context
 * (e.g. identity and purpose) so a row copied onto another identity fails to open.
 */
export class SecretBox {
  readonly #keys = new Map<number, Buffer>();
  readonly currentVersion: number;

  constructor(keys: MasterKey[] | string | Buffer, opts: { currentVersion?: number } = {}) {
    const ring = typeof keys === 'string' ? parseKeyring(keys) : Buffer.isBuffer(keys) ? [{ version: 1, key: keys }] : keys;
    if (!ring.length) throw new SecretBoxError('at least one master key is required');
    for (const { version, key } of ring) {
      if (!Number.isInteger(version) || version < 1) throw new SecretBoxError(`key version must be a positive integer, got ${version}`);
      if (this.#keys.has(version)) throw new SecretBoxError(`key version ${version} given twice`);
      this.#keys.set(version, parseMasterKey(key));
    }
    this.currentVersion = opts.currentVersion ?? Math.max(...this.#keys.keys());
    if (!this.#keys.has(this.currentVersion)) throw new SecretBoxError(`no master key for current version ${this.currentVersion}`);
  }

  get versions(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  seal(plaintext: Buffer, aad?: Buffer | string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(this.currentVersion)!, iv, { authTagLength: TAG_BYTES });
    if (aad !== undefined) cipher.setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ciphertext, iv, authTag: cipher.getAuthTag(), keyVersion: this.currentVersion };
  }

  open(sealed: Sealed, aad?: Buffer | string): Buffer {
    const key = this.#keys.get(sealed.keyVersion);
    if (!key) throw new SecretBoxError(`no master key for key_version ${sealed.keyVersion} (known: ${this.versions.join(', ')})`);
    if (sealed.iv.length !== IV_BYTES || sealed.authTag.length !== TAG_BYTES) throw new SecretBoxError('sealed data is malformed (iv or auth tag length)');
    const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
    if (aad !== undefined) decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.authTag);
    try {
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch {
      throw new SecretBoxError(`cannot decrypt (key_version ${sealed.keyVersion}): wrong master key, wrong context or tampered data`);
    }
  }

  /** Keys are in a private field already; these keep console.log / JSON from even hinting. */
  toJSON(): object {
    return { versions: this.versions, currentVersion: this.currentVersion };
  }

  [inspect.custom](): string {
    return `SecretBox { versions: [${this.versions.join(', ')}], currentVersion: ${this.currentVersion} }`;
  }
}

// The brief names secret-box.ts as KeyStore's home; it lives in key-store.ts, type-only cycle.
export { KeyStore } from './key-store.js';
