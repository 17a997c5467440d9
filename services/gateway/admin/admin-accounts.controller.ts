import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query as Q, Req, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { optOut, OptOutDeliveryError } from '../../../libs/consent/opt-out.js';
import { BUS, DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { AdminAuthGuard, principal, RequireRole, type AdminRequest } from '../auth/admin-auth.guard.js';
import { NETWORKS } from '../../../libs/events/index.js';
import { AccountStatusRepository } from '../accounts/account-status.repository.js';
import { body, optionalEnum, page, query, uuidParam, type Query } from '../http/input.js';
import { AccountModerationRepository, type ModerationOutcome } from './account-moderation.repository.js';

const REASON_MAX = 1_000;
const ACCOUNT_STATUSES = ['active', 'taken_down', 'deleted'] as const;
const CONSENTS = ['pending', 'opted_in', 'opted_out'] as const;

function reasonOf(raw: unknown, required: boolean): string | undefined {
  const b = raw === undefined && !required ? {} : body(raw ?? null, ['reason']);
  const r = b.reason;
  if (r === undefined && !required) return undefined;
  if (typeof r !== 'string' || !r.trim() || r.length > REASON_MAX) throw new BadRequestException(`reason must be a non-empty string of at most ${REASON_MAX} characters`);
  return r.trim();
}

function answer(o: ModerationOutcome) {
  if (!o.ok) throw o.code === 'not-found' ? new NotFoundException(o.message) : new ConflictException(o.message);
  return { accountId: o.accountId, status: o.status };
}

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@RequireRole('moderator')
@Controller('api/v1/admin/accounts')
export class AdminAccountsController {
  private readonly repo: AccountModerationRepository;
  private readonly accounts: AccountStatusRepository;
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(BUS) private readonly bus: Bus,
  ) {
    this.repo = new AccountModerationRepository(ds);
    this.accounts = new AccountStatusRepository(ds);
  }

  @Get()
  @ApiOperation({ summary: 'Every account (whatever its consent), newest first, with its identities' })
  @ApiQuery({ name: 'status', required: false, enum: ACCOUNT_STATUSES })
  @ApiQuery({ name: 'consent', required: false, enum: CONSENTS })
  @ApiQuery({ name: 'network', required: false, enum: NETWORKS, description: 'has an identity on this network' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor of the previous page' })
  async list(@Q() raw: Query) {
    const q = query(raw, ['status', 'consent', 'network', 'limit', 'before']);
    const { limit } = page({ limit: q.limit });
    const before = q.before === undefined ? undefined : /^(\d{1,20})_([0-9a-f-]{36})$/.exec(String(q.before));
    if (before === null) throw new BadRequestException('before must be a cursor from a previous page');
    const rows = await this.accounts.list(
      { status: optionalEnum(q, 'status', ACCOUNT_STATUSES), consent: optionalEnum(q, 'consent', CONSENTS), network: optionalEnum(q, 'network', NETWORKS) },
      { limit, before: before && { micros: before[1]!, id: uuidParam(before[2]!, 'cursor') } },
    );
    const items = rows.slice(0, limit).map(({ cursor: _cursor, ...a }) => a);
    return { items, nextCursor: rows.length > limit ? rows[limit - 1]!.cursor : null };
  }

  /**
   * On the person's behalf (a request by mail, a legal demand). There is deliberately no admin
   * opt-in: consent comes from the person, through an adapter's proof of control.
   */
  @Post(':id/opt-out')
  @HttpCode(200)
  @ApiOperation({ summary: 'Opt an account out and delete its proxies on every network (account.deleted through the translator)' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { reason: { type: 'string', maxLength: REASON_MAX } } } })
  async optOut(@Param('id') id: string, @Body() raw: unknown, @Req() req: AdminRequest) {
    const accountId = uuidParam(id, 'account id');
    const done = await optOut(this.ds, this.bus, accountId, { actor: principal(req).actor, reason: reasonOf(raw, false) }).catch((err: unknown) => {
      if (err instanceof OptOutDeliveryError) throw new ServiceUnavailableException(err.message);
      throw err;
    });
    if (!done) throw new NotFoundException(`no account with id ${accountId}`);
    return { accountId, consent: 'opted_out', changed: done.changed, deletionEvents: done.events };
  }

  @Post(':id/takedown')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take an account down: nothing more of it is bridged until it is restored' })
  @ApiBody({ schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: REASON_MAX } } } })
  async takeDown(@Param('id') id: string, @Body() raw: unknown, @Req() req: AdminRequest) {
    const accountId = uuidParam(id, 'account id');
    return answer(await this.repo.takeDown(accountId, principal(req).actor, reasonOf(raw, true)!));
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a taken-down account' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { reason: { type: 'string', maxLength: REASON_MAX } } } })
  async restore(@Param('id') id: string, @Body() raw: unknown, @Req() req: AdminRequest) {
    const accountId = uuidParam(id, 'account id');
    return answer(await this.repo.restore(accountId, principal(req).actor, reasonOf(raw, false)));
  }
}
