import { BadRequestException, Controller, Delete, Headers, HttpCode, HttpException, Inject, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { backfillAfterLink, linkBackfillCount } from '../../../libs/backfill/index.js';
import type { PontisConfig } from '../../../libs/config/index.js';
import { CONFIG, DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, issueAccountToken, readAccountToken, type SecretBox } from '../../../libs/store/index.js';
import { NostrLinkRepository } from './link.repository.js';
import { verifyNip98 } from './nip98.js';
import { RecentlySeen } from './recently-seen.js';
import { NostrWatchSignal } from './watch-signal.js';

const PATH = 'api/v1/nostr/link';

/**
 * A person links their own Nostr key by proving they hold it: a NIP-98 signed request, no
 * password, no key handed over. Linking opts them in, so their notes are mirrored out (ingest
 * watches opted-in native keys); unlinking opts them out.
 */
@ApiTags('nostr')
@Controller(PATH)
export class NostrLinkController {
  private readonly repo: NostrLinkRepository;
  /** A header is valid for ±60 s; refusing a second use within that window stops replays (per process). */
  private readonly used = new RecentlySeen(10_000, 5 * 60_000);

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(CONFIG) private readonly config: PontisConfig,
    private readonly watch: NostrWatchSignal,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {
    this.repo = new NostrLinkRepository(ds);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Link your own Nostr key (NIP-98 proof) and opt in to bridging' })
  @ApiHeader({ name: 'Authorization', description: 'Nostr <base64 kind-27235 event> signed for this URL and method (NIP-98)' })
  @ApiHeader({ name: ACCOUNT_TOKEN_HEADER, required: false, description: 'the accountToken of an identity you linked on another network: this key joins that account (mirroring)' })
  @ApiOkResponse({ description: '{ accountId, pubkey, created, accountToken }' })
  @ApiUnauthorizedResponse({ description: 'missing, stale, replayed or invalid proof, or an invalid account token; the message says which' })
  @ApiConflictResponse({ description: 'the key is one of the bridge’s own identities, or already has an account of its own' })
  async link(@Headers('authorization') authorization: string | undefined, @Headers(ACCOUNT_TOKEN_HEADER) accountToken: string | undefined, @Req() req: Request) {
    const into = readAccountToken(this.box, accountToken);
    if (!into.ok) throw new UnauthorizedException(into.reason);
    const pubkey = this.prove(authorization, 'POST', req);
    // Optional body {backfill: N}: mirror the last N notes too (libs/backfill).
    const backfill = linkBackfillCount((req.body as { backfill?: unknown } | undefined)?.backfill);
    if (!backfill.ok) throw new BadRequestException(backfill.reason);
    const outcome = await this.repo.link(pubkey, into.accountId);
    if (!outcome.ok) throw new HttpException(outcome.reason, outcome.status);
    this.watch.changed();
    const job = await backfillAfterLink(this.ds, outcome.accountId, 'nostr', backfill.count);
    return { accountId: outcome.accountId, pubkey, created: outcome.created, accountToken: issueAccountToken(this.box, outcome.accountId), ...(job ? { backfill: job } : {}) };
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop bridging your Nostr key (NIP-98 proof)' })
  @ApiOkResponse({ description: '{ pubkey, optedOut }' })
  @ApiUnauthorizedResponse({ description: 'missing, stale, replayed or invalid proof' })
  async unlink(@Headers('authorization') authorization: string | undefined, @Req() req: Request) {
    const pubkey = this.prove(authorization, 'DELETE', req);
    const optedOut = await this.repo.unlink(pubkey);
    this.watch.changed();
    return { pubkey, optedOut };
  }

  private prove(authorization: string | undefined, method: string, req: Request): string {
    // The client signs the public URL it called; behind a proxy that is PONTIS_PUBLIC_URL.
    const url = `${this.config.publicUrl}/${PATH}`;
    const body = req.body && Object.keys(req.body as object).length ? JSON.stringify(req.body) : undefined;
    const result = verifyNip98({ authorization, url, method, body });
    if (!result.ok) throw new UnauthorizedException(`NIP-98 proof refused: ${result.reason}`);
    if (!this.used.add(result.eventId)) throw new UnauthorizedException('NIP-98 proof refused: this authorization event was already used');
    return result.pubkey;
  }
}
