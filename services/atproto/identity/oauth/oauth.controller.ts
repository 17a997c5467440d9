import { Controller, Get, Headers, HttpException, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SECRET_BOX } from '../../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, issueAccountToken, readAccountToken, type SecretBox } from '../../../../libs/store/index.js';
import { isLongTextMode, LONG_TEXT_MODES } from '../preferences.js';
import { AtprotoWatchSignal } from '../watch-signal.js';
import { AtprotoOAuthService } from './oauth-service.js';

/**
 * Linking your own Bluesky account with OAuth. The client metadata and its public keys are served
 * here because the client_id *is* the metadata URL: the person's PDS fetches it (over https) when
 * the authorization starts.
 */
@ApiTags('atproto')
@Controller('api/v1/atproto/oauth')
export class AtprotoOAuthController {
  constructor(
    @Inject(AtprotoOAuthService) private readonly oauth: AtprotoOAuthService,
    @Inject(AtprotoWatchSignal) private readonly watch: AtprotoWatchSignal,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  @Get('client-metadata.json')
  @ApiOperation({ summary: 'OAuth client metadata (the client_id document)' })
  async metadata() {
    return (await this.oauth.ready()).oauth.client.clientMetadata;
  }

  @Get('jwks.json')
  @ApiOperation({ summary: 'Public keys of the OAuth client (private_key_jwt)' })
  async jwks() {
    return (await this.oauth.ready()).oauth.client.jwks;
  }

  @Get('authorize')
  @ApiOperation({
    summary:
      'Start linking (or, with ?unlink=1, opting out): redirects to the authorization page of the PDS of ?handle= (a handle or DID); ?longText=thread|truncate; ' +
      '?account= (or the Pontis-Account header) the account token from linking another network, to put this account into the same one',
  })
  async authorize(
    @Query('handle') handle: unknown,
    @Query('longText') longText: unknown,
    @Query('unlink') unlink: unknown,
    @Query('account') account: unknown,
    @Headers(ACCOUNT_TOKEN_HEADER) accountHeader: string | undefined,
    @Res() res: Response,
  ) {
    if (typeof handle !== 'string' || !handle.trim() || handle.length > 256) throw new HttpException('handle (a Bluesky handle or DID) is required', 400);
    if (longText !== undefined && !isLongTextMode(longText)) throw new HttpException(`longText must be one of ${LONG_TEXT_MODES.join(', ')}`, 400);
    if (unlink !== undefined && unlink !== '1' && unlink !== 'true') throw new HttpException('unlink takes 1 or true', 400);
    if (account !== undefined && typeof account !== 'string') throw new HttpException('account may be given once', 400);
    // Checked now, while the person is here to be told; only the account id travels on, in the
    // OAuth state (sealed in key_material server-side: the PDS sees a random state key).
    const into = readAccountToken(this.box, (account as string | undefined) ?? accountHeader);
    if (!into.ok) throw new HttpException(into.reason, 401);
    const r = await (await this.oauth.ready()).linker.start(handle, unlink === undefined ? { longText, intoAccount: into.accountId } : { unlink: true });
    if (!r.ok) throw new HttpException(r.reason, r.status);
    res.redirect(303, r.url);
  }

  @Get('callback')
  @ApiOperation({ summary: 'Where the PDS sends the person back; links the account' })
  async callback(@Req() req: Request) {
    const params = new URL(req.originalUrl, 'http://callback.invalid').searchParams;
    const r = await (await this.oauth.ready()).linker.finish(params);
    if (!r.ok) throw new HttpException(r.reason, r.status);
    this.watch.changed();
    if (r.unlinked) return { did: r.did, optedOut: true };
    return { accountId: r.accountId, did: r.did, handle: r.handle, created: r.created, linkedWith: 'oauth', accountToken: issueAccountToken(this.box, r.accountId) };
  }
}
