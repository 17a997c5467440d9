import { ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { tokenActor } from '../admin/audit.js';
import { bearerToken, roleAllows, type AdminRole } from './admin-token.js';
import { AdminTokenRepository, type AdminTokenInfo } from './admin-token.repository.js';

const ROLE_KEY = 'pontis.adminRole';

/** The least role a route needs; a controller-level value applies to every route without its own. */
export const RequireRole = (role: AdminRole) => SetMetadata(ROLE_KEY, role);

export interface AdminPrincipal {
  token: AdminTokenInfo;
  /** What the audit log records as the actor. */
  actor: string;
}

export type AdminRequest = Request & { admin?: AdminPrincipal };

/** The principal the guard attached; routes behind the guard always have one. */
export function principal(req: AdminRequest): AdminPrincipal {
  if (!req.admin) throw new UnauthorizedException('admin token required');
  return req.admin;
}

/** Bearer-token authentication for /api/v1/admin: 401 without a live token, 403 when its role is too low. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly tokens: AdminTokenRepository;

  constructor(
    @Inject(DATA_SOURCE) ds: DataSource,
    private readonly reflector: Reflector,
  ) {
    this.tokens = new AdminTokenRepository(ds);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AdminRequest>();
    const bearer = bearerToken(req.headers.authorization);
    if (!bearer.ok) throw new UnauthorizedException(bearer.reason);
    const token = await this.tokens.authenticate(bearer.token);
    if (!token) throw new UnauthorizedException('unknown or revoked admin token');
    const need = this.reflector.getAllAndOverride<AdminRole | undefined>(ROLE_KEY, [ctx.getHandler(), ctx.getClass()]) ?? 'admin';
    if (!roleAllows(token.role, need)) throw new ForbiddenException(`this action needs the ${need} role; the token "${token.name}" has ${token.role}`);
    req.admin = { token, actor: tokenActor(token.name) };
    return true;
  }
}
