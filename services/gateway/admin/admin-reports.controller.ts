import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query as Q, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { decideReport, getReport, listReports, ReportError, REPORT_STATES, type ReportState } from '../../../libs/moderation/index.js';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { AdminAuthGuard, principal, RequireRole, type AdminRequest } from '../auth/admin-auth.guard.js';
import { body, idParam, optionalEnum, page, PAGE_PARAMS, pageOf, query, type Query } from '../http/input.js';

const NOTE_MAX = 2000;

/**
 * Reports made on any network about bridged accounts and posts (the translator records them from
 * report.created: an ActivityPub Flag, a Nostr NIP-56 kind 1984), with the accounts and originals
 * behind the reported proxies and where each was forwarded. Moderators resolve (acted on, e.g.
 * with a takedown) or dismiss them; both write the audit log.
 */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@RequireRole('moderator')
@Controller('api/v1/admin/reports')
export class AdminReportsController {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Reports, newest first' })
  @ApiQuery({ name: 'state', required: false, enum: REPORT_STATES })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor of the previous page' })
  async list(@Q() raw: Query) {
    const q = query(raw, ['state', ...PAGE_PARAMS]);
    const p = page(q);
    const rows = await listReports(this.ds.manager, { state: optionalEnum(q, 'state', REPORT_STATES), before: p.before, limit: p.limit + 1 });
    return pageOf(rows, p);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One report' })
  async get(@Param('id') id: string) {
    const row = await getReport(this.ds.manager, idParam(id, 'report id'));
    if (!row) throw new NotFoundException(`no report ${id}`);
    return row;
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a report acted on (take the account down separately); audited' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { note: { type: 'string', maxLength: NOTE_MAX } } } })
  async resolve(@Param('id') id: string, @Body() raw: unknown, @Req() req: AdminRequest) {
    return this.decide(id, 'resolved', raw, req);
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dismiss a report: nothing to do; audited' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { note: { type: 'string', maxLength: NOTE_MAX } } } })
  async dismiss(@Param('id') id: string, @Body() raw: unknown, @Req() req: AdminRequest) {
    return this.decide(id, 'dismissed', raw, req);
  }

  private async decide(id: string, state: Exclude<ReportState, 'open'>, raw: unknown, req: AdminRequest) {
    const reportId = idParam(id, 'report id');
    const b = raw === undefined || raw === null || (typeof raw === 'object' && !Object.keys(raw).length) ? {} : body(raw, ['note']);
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > NOTE_MAX)) throw new BadRequestException(`note must be a string of at most ${NOTE_MAX} characters`);
    try {
      return await decideReport(this.ds, reportId, state, principal(req).actor, b.note as string | undefined);
    } catch (err) {
      if (err instanceof ReportError) throw err.status === 404 ? new NotFoundException(err.message) : err.status === 409 ? new ConflictException(err.message) : new BadRequestException(err.message);
      throw err;
    }
  }
}
