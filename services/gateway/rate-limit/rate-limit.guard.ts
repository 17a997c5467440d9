import { HttpException, HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { PontisConfig } from '../../../libs/config/index.js';
import { rejectInput } from '../../../libs/observability/index.js';
import { networkOfPath } from '../../../libs/platform/json-body.js';
import { CONFIG } from '../../../libs/platform/tokens.js';
import { looksLikeToken } from '../auth/admin-token.js';
import { clientIp, TokenBuckets } from './token-bucket.js';

/** Probes and scrapes come from the cluster, often and on purpose. */
const EXEMPT = new Set(['/health', '/metrics']);

/**
 * Per-IP limit on the public API, for every route of the app (registered as APP_GUARD by the
 * gateway, so the adapters' public routes such as the Nostr link endpoint are covered too).
 * Admin routes called with a token are exempt: the token is checked right after, and admins script.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly buckets: TokenBuckets | null;

  constructor(@Inject(CONFIG) private readonly config: PontisConfig) {
    const g = config.gateway;
    this.buckets = g.rateLimitPerMinute > 0 ? new TokenBuckets({ perMinute: g.rateLimitPerMinute, burst: g.rateLimitBurst }) : null;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (!this.buckets || ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const path = req.path;
    if (EXEMPT.has(path)) return true;
    if (path.startsWith('/api/v1/admin/') && looksLikeToken(/^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1] ?? '')) return true;
    const ip = clientIp(req.socket.remoteAddress, headerValue(req.headers['x-forwarded-for']), this.config.gateway.trustedProxyHops);
    const r = this.buckets.take(ip, Date.now());
    const res = ctx.switchToHttp().getResponse<Response>();
    if (r.allowed) {
      res.setHeader('RateLimit-Remaining', String(r.remaining));
      return true;
    }
    rejectInput(networkOfPath(path), 'rate_limited');
    const seconds = Math.ceil(r.retryAfterMs / 1000);
    res.setHeader('Retry-After', String(seconds));
    throw new HttpException(`rate limit: ${this.config.gateway.rateLimitPerMinute} requests per minute per client; retry in ${seconds} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}
