import { BadRequestException, Body, ConflictException, Controller, ForbiddenException, Get, Headers, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { BACKFILL_DEFAULT_COUNT, BACKFILL_MAX_COUNT, backfillItems, backfillJobs, startBackfill } from '../../../libs/backfill/index.js';
import { DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, type SecretBox } from '../../../libs/store/index.js';
import { uuidParam } from '../http/input.js';
import { requireOwnAccount } from './account-token.js';

const BODY_FIELDS = ['network', 'count'];

/**
 * Backfill: a person asks for their last N posts on one of their linked networks (and the thread
 * roots their replies point at) to be mirrored to the others. Starting one needs their account
 * token; progress is public like the rest of their account status (counts, no content).
 */
@ApiTags('accounts')
@Controller('api/v1/accounts/:id/backfill')
export class BackfillController {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: `Mirror your last N posts (1-${BACKFILL_MAX_COUNT}, default ${BACKFILL_DEFAULT_COUNT}) from one linked network to the others; answers the job (the running one if there is one)` })
  @ApiHeader({ name: ACCOUNT_TOKEN_HEADER, description: 'the accountToken a link of yours answered (proof that this account is yours)' })
  async start(@Param('id') id: string, @Body() body: Record<string, unknown> | undefined, @Headers(ACCOUNT_TOKEN_HEADER) token: string | undefined) {
    const accountId = uuidParam(id, 'account id');
    requireOwnAccount(this.box, accountId, token);
    const unknown = Object.keys(body ?? {}).filter((k) => !BODY_FIELDS.includes(k));
    if (unknown.length) throw new BadRequestException(`unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (expected ${BODY_FIELDS.join(', ')})`);
    if (body?.count === true) throw new BadRequestException(`backfill count must be a whole number from 1 to ${BACKFILL_MAX_COUNT}`);
    const started = await startBackfill(this.ds, { accountId, network: body?.network as string | undefined, count: body?.count });
    if (!started.ok) throw started.status === 404 ? new NotFoundException(started.reason) : started.status === 409 ? new ConflictException(started.reason) : new BadRequestException(started.reason);
    return { created: started.created, job: started.job };
  }

  @Get()
  @ApiOperation({ summary: 'The account’s backfill jobs, newest first, with progress: found, queued, bridged, skipped, failed, state, started and finished' })
  async list(@Param('id') id: string) {
    const accountId = await this.visibleAccount(id);
    return { items: await backfillJobs(this.ds, { accountId, limit: 20 }) };
  }

  @Get(':jobId')
  @ApiOperation({ summary: 'One backfill job with every post it publishes, in order, and what became of each' })
  async one(@Param('id') id: string, @Param('jobId') jobId: string) {
    const accountId = await this.visibleAccount(id);
    const [job] = await backfillJobs(this.ds, { ids: [uuidParam(jobId, 'job id')] });
    if (!job || job.accountId !== accountId) throw new NotFoundException(`no backfill job ${jobId} for this account`);
    return { ...job, items: await backfillItems(this.ds, job.id) };
  }

  /** Shown like the account status: someone who has not opted in is not shown. */
  private async visibleAccount(id: string): Promise<string> {
    const accountId = uuidParam(id, 'account id');
    const rows: { consent: string }[] = await this.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [accountId]);
    if (!rows[0]) throw new NotFoundException(`no account with id ${id}`);
    if (rows[0].consent !== 'opted_in') throw new ForbiddenException('this person has not opted in to bridging');
    return accountId;
  }
}
