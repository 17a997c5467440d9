import type { DataSource } from 'typeorm';
import { recordAudit } from './audit.js';

export type ModerationOutcome =
  | { ok: true; accountId: string; status: 'active' | 'taken_down' }
  | { ok: false; code: 'not-found' | 'conflict'; message: string };

/**
 * A taken-down account stays in the database (its identities, its object map) but the translator
 * drops everything it sends (consent-policy.ts: status other than active → 'account-inactive'),
 * so nothing more of it is bridged until it is restored.
 */
export class AccountModerationRepository {
  constructor(private readonly ds: DataSource) {}

  takeDown(accountId: string, actor: string, reason: string): Promise<ModerationOutcome> {
    return this.setStatus(accountId, actor, 'taken_down', 'active', 'account.takedown', { reason });
  }

  restore(accountId: string, actor: string, reason: string | undefined): Promise<ModerationOutcome> {
    return this.setStatus(accountId, actor, 'active', 'taken_down', 'account.restore', reason ? { reason } : {});
  }

  private setStatus(accountId: string, actor: string, to: 'active' | 'taken_down', from: 'active' | 'taken_down', action: string, detail: Record<string, unknown>): Promise<ModerationOutcome> {
    return this.ds.transaction(async (tx) => {
      const [row]: { status: string }[] = await tx.query(`SELECT status FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      if (!row) return { ok: false, code: 'not-found', message: `no account with id ${accountId}` };
      if (row.status !== from) return { ok: false, code: 'conflict', message: `the account is ${row.status.replace('_', ' ')}; only a ${from.replace('_', ' ')} account can be ${to === 'active' ? 'restored' : 'taken down'}` };
      await tx.query(`UPDATE accounts SET status = $2, updated_at = now() WHERE id = $1`, [accountId, to]);
      await recordAudit(tx, actor, action, `account:${accountId}`, detail);
      return { ok: true, accountId, status: to };
    });
  }
}
