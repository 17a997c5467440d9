import { ConflictException, Controller, Delete, Headers, HttpCode, Inject, NotFoundException, Param, BadRequestException } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { isNetwork, NETWORKS } from '../../../libs/events/index.js';
import { DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, type SecretBox } from '../../../libs/store/index.js';
import { uuidParam } from '../http/input.js';
import { requireOwnAccount } from './account-token.js';
import { removeNativeIdentity } from './identity-removal.js';

/** A person's own identities in their account (identity-removal.ts says what is allowed and why). */
@ApiTags('accounts')
@Controller('api/v1/accounts/:id/identities')
export class AccountIdentitiesController {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  @Delete(':network')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take your own account on one network out of your Pontis account; refused while copies of its posts exist elsewhere or when it is your only one (opt out instead)' })
  @ApiHeader({ name: ACCOUNT_TOKEN_HEADER, description: 'the accountToken a link of yours answered (proof that this account is yours)' })
  async remove(@Param('id') id: string, @Param('network') network: string, @Headers(ACCOUNT_TOKEN_HEADER) token: string | undefined) {
    const accountId = uuidParam(id, 'account id');
    if (!isNetwork(network)) throw new BadRequestException(`network must be one of ${NETWORKS.join(', ')}`);
    requireOwnAccount(this.box, accountId, token);
    const r = await removeNativeIdentity(this.ds, accountId, network);
    if (!r.ok) throw r.status === 404 ? new NotFoundException(r.reason) : new ConflictException(r.reason);
    return { accountId: r.accountId, removed: { network: r.network, id: r.nativeId, handle: r.handle } };
  }
}
