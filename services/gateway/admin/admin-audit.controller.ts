import { BadRequestException, Controller, Get, Inject, Query as Q, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { AdminAuthGuard, RequireRole } from '../auth/admin-auth.guard.js';
import { optionalString, optionalTime, page, PAGE_PARAMS, pageOf, query, type Query } from '../http/input.js';
import { AuditLogRepository } from './audit-log.repository.js';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@RequireRole('moderator')
@Controller('api/v1/admin/audit')
export class AdminAuditController {
  private readonly repo: AuditLogRepository;
  constructor(@Inject(DATA_SOURCE) ds: DataSource) {
    this.repo = new AuditLogRepository(ds);
  }

  @Get()
  @ApiOperation({ summary: 'Every admin action, newest first' })
  @ApiQuery({ name: 'actor', required: false, description: 'e.g. token:alice' })
  @ApiQuery({ name: 'action', required: false, description: 'exact (settings.update) or a prefix ending in "." (token.)' })
  @ApiQuery({ name: 'since', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'until', required: false, description: 'ISO 8601, exclusive' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor of the previous page' })
  async list(@Q() raw: Query) {
    const q = query(raw, ['actor', 'action', 'since', 'until', ...PAGE_PARAMS]);
    const since = optionalTime(q, 'since');
    const until = optionalTime(q, 'until');
    if (since && until && since >= until) throw new BadRequestException('since must be before until');
    const p = page(q);
    const rows = await this.repo.list({ actor: optionalString(q, 'actor'), action: optionalString(q, 'action', 100), since, until }, p);
    return pageOf(rows, p);
  }
}
