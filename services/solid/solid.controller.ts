import { Body, Controller, Get, Headers, HttpCode, HttpException, Inject, Param, Post, Query, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { backfillAfterLink, linkBackfillCount } from '../../libs/backfill/index.js';
import { DATA_SOURCE, SECRET_BOX } from '../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, issueAccountToken, readAccountToken, type SecretBox } from '../../libs/store/index.js';
import { LinkError } from './identity/index.js';
import { WEBHOOK_PATH } from './ingest/index.js';
import { LOGIN_CALLBACK_PATH, SolidRuntime } from './solid-runtime.js';

/**
 * A person's Solid link, their archive choice, the adapter's status per pod, and the webhook
 * pod servers notify. Linking: a Solid-OIDC login here (GET login → the person's identity
 * provider → callback: grant, link), or an app of theirs calling `link` with their DPoP-bound
 * token after granting the bridge itself. Changing a link needs that person (webid-auth.ts).
 */
@ApiTags('solid')
@Controller()
export class SolidController {
  constructor(
    @Inject(SolidRuntime) private readonly rt: SolidRuntime,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  @Get('api/v1/solid/login')
  @ApiOperation({ summary: 'Start linking your WebID: redirects (303) to your Solid-OIDC identity provider; optional archive=true|false, and account=<accountToken> to join the account of an identity you linked on another network' })
  async login(@Query('webId') webId: string | undefined, @Query('archive') archive: string | undefined, @Query('account') account: string | undefined, @Res() res: Response) {
    const login = this.ready().login!;
    if (!webId) throw new HttpException('webId is required: GET /api/v1/solid/login?webId=<your WebID>', 400);
    if (archive !== undefined && archive !== 'true' && archive !== 'false') throw new HttpException('archive must be true or false', 400);
    // A browser redirect carries no headers of ours: the token comes as a query parameter here.
    const into = readAccountToken(this.box, account);
    if (!into.ok) throw new HttpException(into.reason, 401);
    const { authorizeUrl } = await this.answer(() => login.start({ webId, archive: archive === undefined ? undefined : archive === 'true', intoAccount: into.accountId }));
    res.redirect(303, authorizeUrl);
  }

  @Get(LOGIN_CALLBACK_PATH)
  @ApiOperation({ summary: 'Where your identity provider sends you back: grants the bridge access to social/ with your session, links, signs this browser in' })
  async callback(@Query() q: Record<string, string | undefined>, @Res({ passthrough: true }) res: Response) {
    const rt = this.ready();
    const done = await this.answer(() => rt.login!.finish({ code: q.code, state: q.state, iss: q.iss, error: q.error, error_description: q.error_description }));
    res.setHeader('set-cookie', rt.auth!.loginCookie(done.webId));
    return { ...done, accountToken: issueAccountToken(this.box, done.accountId) };
  }

  @Post('api/v1/solid/link')
  @HttpCode(200)
  @ApiOperation({ summary: "Link your WebID (you, signed in: DPoP token or login cookie) after granting the bridge's WebID Read/Append/Write on your pod's /social/" })
  async link(@Body() body: { webId?: unknown; backfill?: unknown } | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const link = this.ready().link!;
    if (body?.webId !== undefined && typeof body.webId !== 'string') throw new HttpException('body must be {"webId": "<your WebID>"} or empty', 400);
    // Optional {backfill: N}: mirror the last N posts of the pod's outbox too (libs/backfill).
    const backfill = linkBackfillCount(body?.backfill);
    if (!backfill.ok) throw new HttpException(backfill.reason, 400);
    const webId = await this.caller(req, res, body?.webId as string | undefined, 'link');
    const into = readAccountToken(this.box, req.get(ACCOUNT_TOKEN_HEADER));
    if (!into.ok) throw new HttpException(into.reason, 401);
    const linked = await this.answer(() => link.link(webId, into.accountId));
    const job = await backfillAfterLink(this.ds, linked.accountId, 'solid', backfill.count);
    return { ...linked, accountToken: issueAccountToken(this.box, linked.accountId), ...(job ? { backfill: job } : {}) };
  }

  @Post('api/v1/solid/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Copy everything you post on any network into your pod (on/off); you, signed in' })
  async archive(@Body() body: { webId?: unknown; enabled?: unknown } | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const link = this.ready().link!;
    if ((body?.webId !== undefined && typeof body.webId !== 'string') || typeof body?.enabled !== 'boolean') throw new HttpException('body must be {"enabled": true|false} (and optionally "webId")', 400);
    const webId = await this.caller(req, res, body.webId as string | undefined, 'change the archive of');
    const pod = await this.answer(() => link.setArchive(webId, body.enabled as boolean));
    return { webId: pod.webId, archive: pod.archive, backfill: pod.backfill };
  }

  /** The signed-in person's WebID; 401 when nobody is, 403 when it is someone else's. */
  private async caller(req: Request, res: Response, named: string | undefined, what: string): Promise<string> {
    const v = await this.rt.auth!.authenticate({ method: req.method, path: req.path, authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined, cookie: req.headers.cookie });
    if (!v.ok) {
      res.setHeader('www-authenticate', 'DPoP algs="ES256 RS256 PS256"');
      throw new HttpException(v.reason, 401);
    }
    if (named && named !== v.webId) throw new HttpException(`you are signed in as ${v.webId}: only ${named} can ${what} ${named}`, 403);
    return v.webId;
  }

  @Get('api/v1/solid/status')
  @ApiOperation({ summary: 'The bridge’s WebID and every linked pod: access, last error, reconciliation, resources in error' })
  async status(@Query('webId') webId?: string) {
    const rt = this.rt;
    if (!rt.repo) return { running: false, detail: rt.problem, pods: [] };
    const pods = webId ? [await rt.repo.byWebId(webId)].filter((p) => p !== undefined) : await rt.repo.linked();
    return {
      running: true,
      bridgeWebId: rt.bridgeWebId,
      pods: await Promise.all(
        pods.map(async (p) => ({
          webId: p.webId,
          socialUrl: p.socialUrl,
          mode: p.mode,
          access: p.access,
          lastError: p.lastError,
          reconciledAt: p.reconciledAt,
          archive: p.archive,
          backfill: p.backfill,
          webhooks: p.channels.map((c) => ({ topic: c.topic, expiresAt: c.expiresAt })),
          ...(await rt.repo!.counts(p.id)),
          resourceErrors: await rt.repo!.errors(p.id, 10),
        })),
      ),
    };
  }

  @Post(`${WEBHOOK_PATH}/:podId`)
  @ApiOperation({ summary: 'WebhookChannel2023 notifications from pod servers (verified sender)' })
  async webhook(@Param('podId') podId: string, @Body() body: unknown, @Headers('authorization') authorization?: string, @Headers('dpop') dpop?: string) {
    const ingest = this.ready().ingest!;
    const r = await ingest.onWebhook(podId, { authorization, dpop }, body);
    if (r.status !== 202) throw new HttpException(r.reason ?? 'refused', r.status);
    return { accepted: true };
  }

  private ready(): SolidRuntime {
    if (!this.rt.link || !this.rt.ingest || !this.rt.login || !this.rt.auth) throw new ServiceUnavailableException(`Solid adapter not running: ${this.rt.problem}`);
    return this.rt;
  }

  private async answer<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof LinkError) throw new HttpException(err.message, err.status);
      throw err;
    }
  }
}
