import { Body, Controller, Delete, Headers, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { backfillAfterLink, linkBackfillCount } from '../../../libs/backfill/index.js';
import { DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, issueAccountToken, readAccountToken, type SecretBox } from '../../../libs/store/index.js';
import { AtprotoAccountLinker } from './account-linker.js';
import { AtprotoWatchSignal } from './watch-signal.js';
import { isLongTextMode, LONG_TEXT_MODES } from './preferences.js';

interface LinkBody {
  identifier?: unknown;
  appPassword?: unknown;
  /** 'thread' | 'truncate': how text over 300 graphemes is written into the account (default truncate). */
  longText?: unknown;
  /** Mirror the last N posts too (libs/backfill); `true` is the default count. */
  backfill?: unknown;
}

/** Linking your own Bluesky account with an app password (OAuth: oauth/oauth.controller.ts). */
@ApiTags('atproto')
@Controller('api/v1/atproto/link')
export class AtprotoLinkController {
  constructor(
    @Inject(AtprotoAccountLinker) private readonly linker: AtprotoAccountLinker,
    @Inject(AtprotoWatchSignal) private readonly watch: AtprotoWatchSignal,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Link your own Bluesky account with an app password and opt in to bridging' })
  @ApiOkResponse({ description: '{ accountId, did, handle, created, accountToken }' })
  @ApiBadRequestResponse({ description: 'missing fields, or the handle/DID does not resolve' })
  @ApiUnauthorizedResponse({ description: 'the PDS refused the app password, or the account token is not valid' })
  async link(@Body() body: LinkBody, @Headers(ACCOUNT_TOKEN_HEADER) accountToken: string | undefined) {
    const { identifier, appPassword } = fields(body);
    const longText = body?.longText;
    if (longText !== undefined && !isLongTextMode(longText)) throw new HttpException(`longText must be one of ${LONG_TEXT_MODES.join(', ')}`, 400);
    const backfill = linkBackfillCount(body?.backfill);
    if (!backfill.ok) throw new HttpException(backfill.reason, 400);
    const into = readAccountToken(this.box, accountToken);
    if (!into.ok) throw new HttpException(into.reason, 401);
    const r = await this.linker.link(identifier, appPassword, { longText }, into.accountId);
    if (!r.ok) throw new HttpException(r.reason, r.status);
    this.watch.changed();
    const job = await backfillAfterLink(this.ds, r.accountId, 'atproto', backfill.count);
    return { accountId: r.accountId, did: r.did, handle: r.handle, created: r.created, accountToken: issueAccountToken(this.box, r.accountId), ...(job ? { backfill: job } : {}) };
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop bridging your Bluesky account (the same app password)' })
  async unlink(@Body() body: LinkBody) {
    const { identifier, appPassword } = fields(body);
    const r = await this.linker.unlink(identifier, appPassword);
    if (!r.ok) throw new HttpException(r.reason, r.status);
    this.watch.changed();
    return { did: r.did, optedOut: true };
  }
}

function fields(body: LinkBody): { identifier: string; appPassword: string } {
  const { identifier, appPassword } = body ?? {};
  if (typeof identifier !== 'string' || !identifier || identifier.length > 256) throw new HttpException('identifier (handle or DID) is required', 400);
  if (typeof appPassword !== 'string' || !appPassword || appPassword.length > 256) throw new HttpException('appPassword is required', 400);
  return { identifier, appPassword };
}
