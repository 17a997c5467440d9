import { BadRequestException, Controller, ForbiddenException, Get, Inject, Param, Query as Q, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { isNetwork } from '../../../libs/events/index.js';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { AdminTokenRepository } from '../auth/admin-token.repository.js';
import { query, type Query } from '../http/input.js';
import { AccountStatusRepository } from './account-status.repository.js';
import { visibleAccount } from './account-visibility.js';
import { UnbridgedFollowersRepository } from './unbridged-followers.repository.js';

/** Who follows a person's proxies without being bridged (unbridged-followers.repository.ts says what can be seen). */
@ApiTags('accounts')
@Controller('api/v1/accounts/:id/followers')
export class AccountFollowersController {
  private readonly repo: AccountStatusRepository;
  private readonly tokens: AdminTokenRepository;
  private readonly followers: UnbridgedFollowersRepository;

  constructor(@Inject(DATA_SOURCE) ds: DataSource) {
    this.repo = new AccountStatusRepository(ds);
    this.tokens = new AdminTokenRepository(ds);
    this.followers = new UnbridgedFollowersRepository(ds);
  }

  @Get()
  @ApiOperation({ summary: 'People on the fediverse and Nostr who follow this person\'s proxies there but are not bridged (their follow is mirrored nowhere); Bluesky and Solid followers are not visible to the bridge' })
  @ApiQuery({ name: 'bridged', required: true, enum: ['false'] })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page' })
  async list(@Param('id') id: string, @Q() raw: Query, @Req() req: Request) {
    const q = query(raw, ['bridged', 'limit', 'after']);
    // Bridged followers are already mirrored (the person's account shows their follows): only the others are listed.
    if (q.bridged !== 'false') throw new BadRequestException('bridged=false is required: only followers who are not bridged are listed');
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new BadRequestException('limit must be an integer from 1 to 200');
    const after = q.after === undefined ? undefined : cursorOf(q.after as string);
    const account = await visibleAccount(this.repo, this.tokens, id, req);
    if (!account.visible) throw new ForbiddenException('this person has not opted in to bridging');
    const rows = await this.followers.list(account.summary.id, { after, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? Buffer.from(`${last.network}:${last.id}`).toString('base64url') : null };
  }
}

function cursorOf(raw: string): { network: string; id: string } {
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const i = text.indexOf(':');
  const network = text.slice(0, i);
  if (i < 1 || !isNetwork(network) || text.length > 2100) throw new BadRequestException('after must be a cursor from a previous page');
  return { network, id: text.slice(i + 1) };
}
