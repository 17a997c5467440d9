import type { SecretBox } from './secret-box.js';

/**
 * A short-lived value only this bridge can make or read: JSON sealed with the master key
 * (AES-GCM, so tampering fails), `aad` naming what it is for (a token for one use is never
 * accepted for another), an expiry inside. Text-safe: `<keyVersion>.<iv>.<tag>.<ciphertext>`.
 */
export function sealToken(box: SecretBox, aad: string, payload: Record<string, unknown>, ttlSeconds: number, nowMs = Date.now()): string {
  const s = box.seal(Buffer.from(JSON.stringify({ ...payload, e: Math.floor(nowMs / 1000) + ttlSeconds })), aad);
  return [s.keyVersion, s.iv.toString('base64url'), s.authTag.toString('base64url'), s.ciphertext.toString('base64url')].join('.');
}

/** The payload, or undefined when the value is malformed, forged, for another use or expired. */
export function openToken(box: SecretBox, aad: string, value: string, nowMs = Date.now()): Record<string, unknown> | undefined {
  const [v, iv, tag, ct, extra] = value.split('.');
  if (!v || !iv || !tag || !ct || extra !== undefined || !/^\d+$/.test(v)) return undefined;
  try {
    const plain = box.open({ keyVersion: Number(v), iv: Buffer.from(iv, 'base64url'), authTag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ct, 'base64url') }, aad);
    const payload = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
    return typeof payload.e === 'number' && payload.e >= nowMs / 1000 ? payload : undefined;
  } catch {
    return undefined;
  }
}
