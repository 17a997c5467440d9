import { BadRequestException, Body, Controller, Headers, HttpCode, Inject, NotFoundException, ConflictException, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { changeAccountConsent, OptOutDeliveryError } from '../../../libs/consent/index.js';
import { BUS, DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, type SecretBox } from '../../../libs/store/index.js';
import { body, uuidParam } from '../http/input.js';
import { requireOwnAccount } from './account-token.js';

const CONSENTS = ['opted_in', 'opted_out'] as const;

/**
 * A person's own opt-in and opt-out, the same as following or blocking the bridge's bot on their
 * network: the account token one of their links answered proves the account is theirs. Opting
 * out removes their copies everywhere (libs/consent optOut).
 */
@ApiTags('accounts')
@Controller('api/v1/accounts')
export class AccountConsentController {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  @Post(':id/consent')
  @HttpCode(200)
  @ApiOperation({ summary: 'Opt your account in to bridging, or out (your copies on the other networks are deleted)' })
  @ApiHeader({ name: ACCOUNT_TOKEN_HEADER, description: 'the accountToken a link of yours answered (proof that this account is yours)' })
  @ApiBody({ schema: { type: 'object', required: ['consent'], properties: { consent: { type: 'string', enum: [...CONSENTS] } } } })
  async setConsent(@Param('id') id: string, @Body() raw: unknown, @Headers(ACCOUNT_TOKEN_HEADER) token: string | undefined) {
    const accountId = uuidParam(id, 'account id');
    requireOwnAccount(this.box, accountId, token);
    const consent = body(raw ?? null, ['consent']).consent;
    if (typeof consent !== 'string' || !(CONSENTS as readonly string[]).includes(consent)) throw new BadRequestException(`consent must be one of ${CONSENTS.join(', ')}`);
    const r = await changeAccountConsent(this.ds, this.bus, accountId, consent === 'opted_in' ? 'opt-in' : 'opt-out', `account:${accountId}`).catch((err: unknown) => {
      if (err instanceof OptOutDeliveryError) throw new ServiceUnavailableException(err.message);
      throw err;
    });
    if (!r.ok) throw r.status === 404 ? new NotFoundException(`no account with id ${accountId}`) : new ConflictException(r.reason);
    return { accountId, consent, changed: r.action !== 'none' };
  }
}
