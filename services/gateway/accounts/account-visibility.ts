import { NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../auth/admin-token.js';
import type { AdminTokenRepository } from '../auth/admin-token.repository.js';
import { uuidParam } from '../http/input.js';
import type { AccountStatusRepository, AccountSummary } from './account-status.repository.js';

/**
 * An account as the public routes may show it: someone who has not opted in is shown only by
 * consent state, unless a valid admin or moderator token asks (a bad one is simply ignored here).
 */
export async function visibleAccount(repo: AccountStatusRepository, tokens: AdminTokenRepository, id: string, req: Request): Promise<{ summary: AccountSummary; visible: boolean }> {
  const summary = await repo.account(uuidParam(id, 'account id'));
  if (!summary) throw new NotFoundException(`no account with id ${id}`);
  return { summary, visible: summary.consent === 'opted_in' || (await isPrivileged(tokens, req)) };
}

/** A valid admin or moderator token widens what is shown; a bad one is simply ignored here (these are public routes). */
export async function isPrivileged(tokens: AdminTokenRepository, req: Request): Promise<boolean> {
  const bearer = bearerToken(req.headers.authorization);
  return bearer.ok && Boolean(await tokens.authenticate(bearer.token));
}
