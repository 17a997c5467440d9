import type { DataSource } from 'typeorm';
import { recordAudit, returnedRows } from '../admin/audit.js';
import { generateTokenSecret, hashTokenSecret, type AdminRole } from './admin-token.js';

export interface AdminTokenInfo {
  id: string;
  name: string;
  role: AdminRole;
  prefix: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken extends AdminTokenInfo {
  /** The only time the secret leaves the bridge. */
  token: string;
}

export class TokenConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenConflictError';
  }
}

type Row = { id: string; name: string; role: AdminRole; prefix: string; created_by: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null };
const COLUMNS = 'id, name, role, prefix, created_by, created_at, last_used_at, revoked_at';
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const info = (r: Row): AdminTokenInfo => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});

/** Admin tokens: stored as hashes, created and revoked with an audit record in the same transaction. */
export class AdminTokenRepository {
  constructor(private readonly ds: DataSource) {}

  async create(o: { name: string; role: AdminRole; actor: string }): Promise<CreatedToken> {
    const t = generateTokenSecret();
    return this.ds.transaction(async (tx) => {
      const taken: unknown[] = await tx.query(`SELECT 1 FROM admin_tokens WHERE name = $1 AND revoked_at IS NULL`, [o.name]);
      if (taken.length) throw new TokenConflictError(`a live token named "${o.name}" already exists; revoke it or pick another name`);
      const [row]: Row[] = await tx.query(
        `INSERT INTO admin_tokens (name, role, token_hash, prefix, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [o.name, o.role, t.hash, t.prefix, o.actor],
      );
      await recordAudit(tx, o.actor, 'token.create', `token:${row!.id}`, { name: o.name, role: o.role, prefix: t.prefix });
      return { ...info(row!), token: t.secret };
    });
  }

  /** The live token with this secret; marks it used (at most once a minute, to spare writes). */
  async authenticate(secret: string): Promise<AdminTokenInfo | undefined> {
    const [row]: Row[] = await this.ds.query(`SELECT ${COLUMNS} FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, [hashTokenSecret(secret)]);
    if (!row) return undefined;
    if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000)
      await this.ds.query(`UPDATE admin_tokens SET last_used_at = now() WHERE id = $1`, [row.id]);
    return info(row);
  }

  async list(opts: { includeRevoked: boolean }): Promise<AdminTokenInfo[]> {
    const rows: Row[] = await this.ds.query(`SELECT ${COLUMNS} FROM admin_tokens ${opts.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`);
    return rows.map(info);
  }

  /** undefined when no such live token. Refuses to revoke the last live admin token: nobody could get back in through the API. */
  async revoke(id: string, actor: string): Promise<AdminTokenInfo | undefined> {
    return this.ds.transaction(async (tx) => {
      const [row]: Row[] = await tx.query(`SELECT ${COLUMNS} FROM admin_tokens WHERE id = $1 AND revoked_at IS NULL FOR UPDATE`, [id]);
      if (!row) return undefined;
      if (row.role === 'admin') {
        // Lock every live admin row so two concurrent revocations cannot both pass the check.
        const admins: unknown[] = await tx.query(`SELECT id FROM admin_tokens WHERE role = 'admin' AND revoked_at IS NULL FOR UPDATE`);
        if (admins.length <= 1) throw new TokenConflictError('this is the last live admin token; create another admin token before revoking it');
      }
      const [done] = returnedRows<Row>(await tx.query(`UPDATE admin_tokens SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id]));
      await recordAudit(tx, actor, 'token.revoke', `token:${id}`, { name: row.name, role: row.role, prefix: row.prefix });
      return info(done!);
    });
  }
}
