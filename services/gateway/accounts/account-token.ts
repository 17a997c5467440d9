import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { ACCOUNT_TOKEN_HEADER, readAccountToken, type SecretBox } from '../../../libs/store/index.js';

/** The person's proof that account `accountId` is theirs: the accountToken one of their links answered. */
export function requireOwnAccount(box: SecretBox, accountId: string, token: string | undefined): void {
  if (!token) throw new UnauthorizedException(`send the accountToken of one of your links in the ${ACCOUNT_TOKEN_HEADER} header`);
  const who = readAccountToken(box, token);
  if (!who.ok) throw new UnauthorizedException(who.reason);
  if (who.accountId !== accountId) throw new ForbiddenException('this token is for another account');
}
