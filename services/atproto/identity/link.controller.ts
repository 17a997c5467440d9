import { Body, Controller, Delete, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AtprotoAccountLinker } from './account-linker.js';
import { AtprotoWatchSignal } from './watch-signal.js';
import { isLongTextMode, LONG_TEXT_MODES } from './preferences.js';

interface LinkBody {
  identifier?: unknown;
  appPassword?: unknown;
  /** 'thread' | 'truncate': how text over 300 graphemes is written into the account (default truncate). */
  longText?: unknown;
}

/** Linking your own Bluesky account with an app password (OAuth: oauth/oauth.controller.ts). */
@ApiTags('atproto')
@Controller('api/v1/atproto/link')
export class AtprotoLinkController {
  constructor(
    @Inject(AtprotoAccountLinker) private readonly linker: AtprotoAccountLinker,
    @Inject(AtprotoWatchSignal) private readonly watch: AtprotoWatchSignal,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Link your own Bluesky account with an app password and opt in to bridging' })
  @ApiOkResponse({ description: '{ accountId, did, handle, created }' })
  @ApiBadRequestResponse({ description: 'missing fields, or the handle/DID does not resolve' })
  @ApiUnauthorizedResponse({ description: 'the PDS refused the app password' })
  async link(@Body() body: LinkBody) {
    const { identifier, appPassword } = fields(body);
    const longText = body?.longText;
    if (longText !== undefined && !isLongTextMode(longText)) throw new HttpException(`longText must be one of ${LONG_TEXT_MODES.join(', ')}`, 400);
    const r = await this.linker.link(identifier, appPassword, { longText });
    if (!r.ok) throw new HttpException(r.reason, r.status);
    this.watch.changed();
    return { accountId: r.accountId, did: r.did, handle: r.handle, created: r.created };
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
