import { BadRequestException, Body, ConflictException, Controller, ForbiddenException, Get, Headers, Inject, NotFoundException, Param, Put, Query as Q, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { isNetwork, MIRROR_MODES, NETWORKS, PUBLISHES_AS_NATIVE, type MirrorMode } from '../../../libs/events/index.js';
import { DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, type SecretBox } from '../../../libs/store/index.js';
import { AdminTokenRepository } from '../auth/admin-token.repository.js';
import { optionalEnum, optionalString, page, PAGE_PARAMS, pageOf, query, uuidParam, type Query } from '../http/input.js';
import { AccountStatusRepository, DELIVERY_STATUSES, FAILED_STATUSES, type AccountSummary } from './account-status.repository.js';
import { isPrivileged, visibleAccount } from './account-visibility.js';
import { parseLookup } from './lookup-query.js';
import { UnbridgedFollowersRepository } from './unbridged-followers.repository.js';
import { requireOwnAccount } from './account-token.js';

/**
 * Per-person status, public like the people's own bridged posts are. Someone who has not opted in
 * (or opted out) is not shown beyond their consent state, unless an admin or moderator asks.
 */
@ApiTags('accounts')
@Controller('api/v1/accounts')
export class AccountsController {
  private readonly repo: AccountStatusRepository;
  private readonly tokens: AdminTokenRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {
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
    const [identities, lastIn, lastOut, failures, solidArchive, unbridgedFollowers, backfill] = await Promise.all([
      this.repo.identities(account.summary.id),
      this.repo.objectsIn(account.summary.id, {}, recent),
      this.repo.deliveries(account.summary.id, {}, recent),
      this.repo.deliveries(account.summary.id, { statuses: FAILED_STATUSES }, recent),
      this.repo.solidArchive(account.summary.id),
      // Listed at /followers?bridged=false; what the bridge cannot see is said there.
      new UnbridgedFollowersRepository(this.ds).count(account.summary.id),
      this.repo.backfill(account.summary.id),
    ]);
    const networks = Object.fromEntries(
      NETWORKS.map((n) => {
        const mine = identities.filter((i) => i.network === n);
        return [n, { mirror: account.summary.mirror[n] ?? 'on', native: mine.filter((i) => i.kind === 'native'), bridged: mine.filter((i) => i.kind === 'bridged') }];
      }),
    );
    return { ...account.summary, identities, networks, solidArchive, unbridgedFollowers, backfill, lastIn: lastIn.slice(0, 10), lastOut: lastOut.slice(0, 10), failures: failures.slice(0, 10) };
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

  @Put(':id/mirror')
  @ApiOperation({ summary: 'Choose, per network, how your posts from elsewhere appear there: in your own account there (native), through your bridged identity (bridged), or not at all (off)' })
  @ApiHeader({ name: ACCOUNT_TOKEN_HEADER, description: 'the accountToken a link of yours answered (proof that this account is yours)' })
  async setMirror(@Param('id') id: string, @Body() body: { network?: unknown; mode?: unknown } | undefined, @Headers(ACCOUNT_TOKEN_HEADER) token: string | undefined) {
    const accountId = uuidParam(id, 'account id');
    requireOwnAccount(this.box, accountId, token);
    const network = body?.network;
    const mode = body?.mode;
    if (!isNetwork(network)) throw new BadRequestException(`network must be one of ${NETWORKS.join(', ')}`);
    if (typeof mode !== 'string' || !(MIRROR_MODES as readonly string[]).includes(mode)) throw new BadRequestException(`mode must be one of ${MIRROR_MODES.join(', ')}`);
    if (mode === 'native') {
      if (!PUBLISHES_AS_NATIVE.has(network)) throw new ConflictException(`Pontis cannot publish as your own ${network} account (${network === 'nostr' ? 'it would need a remote signer (NIP-46), not built yet' : 'fediverse servers give no one a key'}): choose bridged or off`);
      const own: unknown[] = await this.ds.query(`SELECT 1 FROM identities WHERE account_id = $1 AND network = $2 AND kind = 'native'`, [accountId, network]);
      if (!own.length) throw new ConflictException(`link your own ${network} account to this one first (its link takes the ${ACCOUNT_TOKEN_HEADER} header)`);
    }
    const rows: { mirror: Record<string, MirrorMode> }[] = await this.ds.query(
      `UPDATE accounts SET mirror = mirror || jsonb_build_object($2::text, $3::text), updated_at = now() WHERE id = $1 RETURNING mirror`,
      [accountId, network, mode],
    );
    const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as { mirror: Record<string, MirrorMode> }[];
    if (!updated[0]) throw new NotFoundException(`no account with id ${id}`);
    return { accountId, mirror: updated[0].mirror };
  }

  private visibleAccount(id: string, req: Request): Promise<{ summary: AccountSummary; visible: boolean }> {
    return visibleAccount(this.repo, this.tokens, id, req);
  }

  /** A valid admin or moderator token widens what is shown; a bad one is simply ignored here (this is a public route). */
  private async privileged(req: Request): Promise<boolean> {
    return isPrivileged(this.tokens, req);
  }
}

function visible(account: AccountSummary, privileged: boolean): boolean {
  return privileged || account.consent === 'opted_in';
}
