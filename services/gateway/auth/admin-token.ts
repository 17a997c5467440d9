import { createHash, randomBytes } from 'node:crypto';

export const ADMIN_ROLES = ['admin', 'moderator'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export function isAdminRole(v: unknown): v is AdminRole {
  return typeof v === 'string' && (ADMIN_ROLES as readonly string[]).includes(v);
}

/** A recognizable prefix lets secret scanners (and people) spot a leaked token. */
const TOKEN_PREFIX = 'pontis_';
const TOKEN_RE = /^pontis_[A-Za-z0-9_-]{43}$/;
/** How much of the secret is kept in clear to tell tokens apart: 7 + 6 chars, 36 bits of 256. */
const SHOWN = TOKEN_PREFIX.length + 6;

export interface NewTokenSecret {
  /** Shown once to whoever created it; never stored, never logged. */
  secret: string;
  hash: string;
  prefix: string;
}

export function generateTokenSecret(): NewTokenSecret {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashTokenSecret(secret), prefix: secret.slice(0, SHOWN) };
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeToken(secret: string): boolean {
  return TOKEN_RE.test(secret);
}

/** The token from `Authorization: Bearer <token>`, or why there is none. */
export function bearerToken(header: string | undefined): { ok: true; token: string } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: 'missing Authorization header (expected "Bearer <admin token>")' };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return { ok: false, reason: 'Authorization header must be "Bearer <admin token>"' };
  if (!looksLikeToken(m[1]!)) return { ok: false, reason: 'malformed admin token' };
  return { ok: true, token: m[1]! };
}

/** Moderators read and take accounts down; only admins change the bridge or its tokens. */
export function roleAllows(have: AdminRole, need: AdminRole): boolean {
  return have === 'admin' || have === need;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function tokenNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || !NAME_RE.test(name)) return 'name must be 1-64 characters: letters, digits, . _ @ - (starting with a letter or digit)';
  return null;
}
