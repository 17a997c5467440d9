import { BadRequestException, Controller, ForbiddenException, Get, Inject, NotFoundException, Param, Query as Q, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { NETWORKS } from '../../../libs/events/index.js';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { bearerToken } from '../auth/admin-token.js';
import { AdminTokenRepository } from '../auth/admin-token.repository.js';
import { optionalEnum, optionalString, page, PAGE_PARAMS, pageOf, query, uuidParam, type Query } from '../http/input.js';
import { AccountStatusRepository, DELIVERY_STATUSES, FAILED_STATUSES, type AccountSummary } from './account-status.repository.js';
import { parseLookup } from './lookup-query.js';

/**
 * Per-person status, public like the people's own bridged posts are. Someone who has not opted in
 * (or opted out) is not shown beyond their consent state, unless an admin or moderator asks.
 */
@ApiTags('accounts')
@Controller('api/v1/accounts')
export class AccountsController {
  private readonly repo: AccountStatusRepository;
  private readonly tokens: AdminTokenRepository;

  constructor(@Inject(DATA_SOURCE) ds: DataSource) {
    this.repo = new AccountStatusRepository(ds);
    this.tokens = new AdminTokenRepository(ds);
  }

  @Get()
  @ApiOperation({ summary: 'Find accounts by any handle or id on any network' })
  @ApiQuery({ name: 'q', description: '@user@instance, name.bsky.social, did:plc:…, npub1…, hex key, NIP-05 name@domain, actor URL or WebID' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  async lookup(@Q() raw: Query, @Req() req: Request) {
    const q = query(raw, ['q', 'limit']);
    const text = optionalString(q, 'q', 512);
    if (!text) throw new BadRequestException('q is required: a handle or id on any network');
    const parsed = parseLookup(text);
    if (!parsed.ok) throw new BadRequestException(parsed.reason);
    const { limit } = page({ limit: q.limit });
    const privileged = await this.privileged(req);
    const items = [];
    for (const m of await this.repo.lookup(parsed.query, limit)) {
      const account = await this.repo.account(m.accountId);
      if (!account) continue;
      items.push({ accountId: m.accountId, consent: account.consent, status: account.status, matched: visible(account, privileged) ? m.matched : null });
    }
    return { items };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One account: identities and handles per network, last events in and out, failures with reason and next retry' })
  async get(@Param('id') id: string, @Req() req: Request) {
    const account = await this.visibleAccount(id, req);
    if (!account.visible) return { ...account.summary, identities: null, hidden: 'this person has not opted in to bridging' };
    const recent = { limit: 10 };
    const [identities, lastIn, lastOut, failures, solidArchive] = await Promise.all([
      this.repo.identities(account.summary.id),
      this.repo.objectsIn(account.summary.id, {}, recent),
      this.repo.deliveries(account.summary.id, {}, recent),
      this.repo.deliveries(account.summary.id, { statuses: FAILED_STATUSES }, recent),
      this.repo.solidArchive(account.summary.id),
    ]);
    const networks = Object.fromEntries(
      NETWORKS.map((n) => {
        const mine = identities.filter((i) => i.network === n);
        return [n, { mirror: account.summary.mirror[n] ?? 'on', native: mine.filter((i) => i.kind === 'native'), bridged: mine.filter((i) => i.kind === 'bridged') }];
      }),
    );
    return { ...account.summary, identities, networks, solidArchive, lastIn: lastIn.slice(0, 10), lastOut: lastOut.slice(0, 10), failures: failures.slice(0, 10) };
  }

  @Get(':id/objects')
  @ApiOperation({ summary: 'Posts the person made (events in), newest first, each with its copies on the other networks' })
  @ApiQuery({ name: 'network', required: false, enum: NETWORKS })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false })
  async objects(@Param('id') id: string, @Q() raw: Query, @Req() req: Request) {
    const q = query(raw, ['network', ...PAGE_PARAMS]);
    const p = page(q);
    const network = optionalEnum(q, 'network', NETWORKS);
    const account = await this.visibleAccount(id, req);
    if (!account.visible) throw new ForbiddenException('this person has not opted in to bridging');
    return pageOf(await this.repo.objectsIn(account.summary.id, { network }, p), p);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'What the bridge sent for the person (events out) with status, error and next retry' })
  @ApiQuery({ name: 'target', required: false, enum: NETWORKS })
  @ApiQuery({ name: 'status', required: false, enum: [...DELIVERY_STATUSES, 'failures'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'before', required: false })
  async deliveries(@Param('id') id: string, @Q() raw: Query, @Req() req: Request) {
    const q = query(raw, ['target', 'status', ...PAGE_PARAMS]);
    const p = page(q);
    const target = optionalEnum(q, 'target', NETWORKS);
    const status = optionalEnum(q, 'status', [...DELIVERY_STATUSES, 'failures'] as const);
    const account = await this.visibleAccount(id, req);
    if (!account.visible) throw new ForbiddenException('this person has not opted in to bridging');
    const statuses = status === 'failures' ? FAILED_STATUSES : status ? [status] : undefined;
    return pageOf(await this.repo.deliveries(account.summary.id, { target, statuses }, p), p);
  }

  private async visibleAccount(id: string, req: Request): Promise<{ summary: AccountSummary; visible: boolean }> {
    const summary = await this.repo.account(uuidParam(id, 'account id'));
    if (!summary) throw new NotFoundException(`no account with id ${id}`);
    return { summary, visible: visible(summary, await this.privileged(req)) };
  }

  /** A valid admin or moderator token widens what is shown; a bad one is simply ignored here (this is a public route). */
  private async privileged(req: Request): Promise<boolean> {
    const bearer = bearerToken(req.headers.authorization);
    return bearer.ok && Boolean(await this.tokens.authenticate(bearer.token));
  }
}

function visible(account: AccountSummary, privileged: boolean): boolean {
  return privileged || account.consent === 'opted_in';
}
