import { BadRequestException, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query as Q, Req, UseGuards, Body, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { AdminAuthGuard, principal, RequireRole, type AdminRequest } from '../auth/admin-auth.guard.js';
import { ADMIN_ROLES, isAdminRole, tokenNameProblem } from '../auth/admin-token.js';
import { AdminTokenRepository, TokenConflictError } from '../auth/admin-token.repository.js';
import { body, optionalBoolean, query, uuidParam, type Query } from '../http/input.js';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/tokens')
export class AdminTokensController {
  private readonly tokens: AdminTokenRepository;
  constructor(@Inject(DATA_SOURCE) ds: DataSource) {
    this.tokens = new AdminTokenRepository(ds);
  }

  @Post()
  @ApiOperation({ summary: 'Create an admin or moderator token; the secret is in this response only' })
  @ApiBody({ schema: { type: 'object', required: ['name', 'role'], properties: { name: { type: 'string' }, role: { enum: [...ADMIN_ROLES] } } } })
  async create(@Body() raw: unknown, @Req() req: AdminRequest) {
    const b = body(raw, ['name', 'role']);
    const problem = tokenNameProblem(b.name);
    if (problem) throw new BadRequestException(problem);
    if (!isAdminRole(b.role)) throw new BadRequestException(`role must be one of ${ADMIN_ROLES.join(', ')}`);
    try {
      return await this.tokens.create({ name: b.name as string, role: b.role, actor: principal(req).actor });
    } catch (err) {
      if (err instanceof TokenConflictError) throw new ConflictException(err.message);
      throw err;
    }
  }

  @Get()
  @ApiOperation({ summary: 'List tokens (never their secrets); ?revoked=true includes revoked ones' })
  async list(@Q() raw: Query) {
    const q = query(raw, ['revoked']);
    return { items: await this.tokens.list({ includeRevoked: optionalBoolean(q, 'revoked') ?? false }) };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a token (the last live admin token cannot be revoked)' })
  async revoke(@Param('id') id: string, @Req() req: AdminRequest) {
    try {
      const done = await this.tokens.revoke(uuidParam(id, 'token id'), principal(req).actor);
      if (!done) throw new NotFoundException(`no live token with id ${id}`);
      return done;
    } catch (err) {
      if (err instanceof TokenConflictError) throw new ConflictException(err.message);
      throw err;
    }
  }
}
