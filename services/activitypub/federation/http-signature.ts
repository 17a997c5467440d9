/**
 * HTTP Signatures (draft-cavage-http-signatures-12), the way the fediverse uses them: Mastodon
 * signs `(request-target) host date digest` with `rsa-sha256`, newer servers send `hs2019`
 * (the algorithm then follows from the key: RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys, as
 * Mastodon reads it; Ed25519 keys verify as Ed25519). Our own implementation because
 * http-signature 1.4.0 (apex's) rejects hs2019 and checks neither Digest nor the date window.
 *
 * Verification is strict like Mastodon's signature_verification.rb: `keyId` and `signature`
 * required, `(request-target)` and `date` (or `(created)`) signed, a POST must sign `digest` and
 * the Digest must be the body's SHA-256, the date must be inside the window.
 */
import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export interface SignatureParams {
  keyId: string;
  algorithm?: string;
  headers: string[];
  signature: Buffer;
  created?: number;
  expires?: number;
}

export interface RequestToVerify {
  method: string;
  /** Path with query, as sent (`/ap/users/x/inbox`). */
  path: string;
  /** Header names lowercased. */
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
}

export class SignatureError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 403 = 401,
    /** Low-cardinality code for pontis_rejected_input_total (docs/SECURITY.md). */
    readonly reason: 'unsigned' | 'bad_signature' | 'stale' | 'bad_digest' | 'replay' | 'spoofed_actor' | 'no_actor' | 'key_unavailable' = 'bad_signature',
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

const header = (h: RequestToVerify['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/** Parses `Signature: keyId="…",algorithm="…",headers="…",signature="…"` (or `Authorization: Signature …`). */
export function parseSignatureHeader(h: RequestToVerify['headers']): SignatureParams {
  let raw = header(h, 'signature');
  const auth = header(h, 'authorization');
  if (!raw && auth?.toLowerCase().startsWith('signature ')) raw = auth.slice('signature '.length);
  if (!raw) throw new SignatureError('missing HTTP signature', 401, 'unsigned');
  if (raw.length > 8192) throw new SignatureError('signature header too long');
  const fields: Record<string, string> = {};
  for (const m of raw.matchAll(/([a-zA-Z]+)=(?:"([^"]*)"|(\d+))/g)) fields[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  if (!fields.keyid) throw new SignatureError('signature without keyId');
  if (!fields.signature) throw new SignatureError('signature without signature value');
  const params: SignatureParams = {
    keyId: fields.keyid,
    headers: (fields.headers ?? 'date').toLowerCase().split(/\s+/).filter(Boolean),
    signature: Buffer.from(fields.signature, 'base64'),
  };
  if (fields.algorithm) params.algorithm = fields.algorithm.toLowerCase();
  if (fields.created) params.created = Number(fields.created);
  if (fields.expires) params.expires = Number(fields.expires);
  return params;
}

export function signingString(req: RequestToVerify, params: Pick<SignatureParams, 'headers' | 'created' | 'expires'>): string {
  return params.headers
    .map((name) => {
      if (name === '(request-target)') return `(request-target): ${req.method.toLowerCase()} ${req.path}`;
      if (name === '(created)') return `(created): ${params.created}`;
      if (name === '(expires)') return `(expires): ${params.expires}`;
      const v = header(req.headers, name);
      if (v === undefined) throw new SignatureError(`signed header ${name} is missing`);
      return `${name}: ${v.trim()}`;
    })
    .join('\n');
}

export function digestOf(body: Buffer | string): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

export interface VerifyOptions {
  /** How far Date (or `(created)`) may be from now, either way. */
  windowMs: number;
  now?: number;
}

/**
 * Checks everything that needs no key: what is signed, Digest, Date window. Returns the parsed
 * parameters; `verifyWithKey` then checks the signature itself.
 */
export function checkRequest(req: RequestToVerify, opts: VerifyOptions): SignatureParams {
  const params = parseSignatureHeader(req.headers);
  const alg = params.algorithm;
  if (alg && alg !== 'rsa-sha256' && alg !== 'hs2019' && alg !== 'ed25519') throw new SignatureError(`unsupported signature algorithm ${alg}`);
  if (!params.headers.includes('(request-target)')) throw new SignatureError('(request-target) is not signed');
  const now = opts.now ?? Date.now();
  if (params.headers.includes('(created)') && params.created !== undefined) {
    if (Math.abs(now - params.created * 1000) > opts.windowMs) throw new SignatureError('signature (created) outside the accepted window', 401, 'stale');
  } else {
    if (!params.headers.includes('date')) throw new SignatureError('date is not signed');
    const date = Date.parse(header(req.headers, 'date') ?? '');
    if (!Number.isFinite(date)) throw new SignatureError('missing or invalid Date header');
    if (Math.abs(now - date) > opts.windowMs) throw new SignatureError('Date outside the accepted window (stale or replayed request)', 401, 'stale');
  }
  if (params.expires !== undefined && params.expires * 1000 < now) throw new SignatureError('signature expired', 401, 'stale');
  if (req.method.toUpperCase() === 'POST') {
    if (!params.headers.includes('digest')) throw new SignatureError('a POST must sign its Digest', 401, 'bad_digest');
    const digests = (header(req.headers, 'digest') ?? '').split(',').map((d) => d.trim());
    const sha256 = digests.find((d) => d.toLowerCase().startsWith('sha-256='));
    if (!sha256) throw new SignatureError('no SHA-256 Digest', 401, 'bad_digest');
    if (sha256.slice('sha-256='.length) !== digestOf(req.body ?? Buffer.alloc(0)).slice('SHA-256='.length)) throw new SignatureError('Digest does not match the body', 401, 'bad_digest');
  }
  return params;
}

/** The signature against one public key (PEM). */
export function verifyWithKey(req: RequestToVerify, params: SignatureParams, publicKeyPem: string): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    return false;
  }
  const data = Buffer.from(signingString(req, params));
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    if (params.algorithm === 'ed25519') return false;
    return cryptoVerify('sha256', data, key, params.signature);
  }
  if (type === 'ed25519') {
    if (params.algorithm === 'rsa-sha256') return false;
    return cryptoVerify(null, data, key, params.signature);
  }
  return false;
}

export interface SignOptions {
  keyId: string;
  /** A parsed key signs in less than half the CPU time of its PEM text (which is parsed per call). */
  privateKeyPem: string | KeyObject;
  method: string;
  url: string;
  body?: string | Buffer;
  /** Default now. */
  date?: Date;
  extraHeaders?: Record<string, string>;
}

/** Headers for a signed request (rsa-sha256, what every server accepts). */
export function signRequest(o: SignOptions): Record<string, string> {
  const u = new URL(o.url);
  const headers: Record<string, string> = { host: u.host, date: (o.date ?? new Date()).toUTCString(), ...o.extraHeaders };
  const names = ['(request-target)', 'host', 'date'];
  if (o.body !== undefined) {
    headers.digest = digestOf(o.body);
    names.push('digest');
  }
  const req: RequestToVerify = { method: o.method, path: u.pathname + u.search, headers };
  const sig = cryptoSign('sha256', Buffer.from(signingString(req, { headers: names })), o.privateKeyPem).toString('base64');
  headers.signature = `keyId="${o.keyId}",algorithm="rsa-sha256",headers="${names.join(' ')}",signature="${sig}"`;
  return headers;
}
