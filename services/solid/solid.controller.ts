import { Body, Controller, Get, Headers, HttpCode, HttpException, Inject, Param, Post, Query, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LinkError } from './identity/index.js';
import { WEBHOOK_PATH } from './ingest/index.js';
import { SolidRuntime } from './solid-runtime.js';

/**
 * A person's Solid link, their archive choice, the adapter's status per pod, and the webhook
 * pod servers notify. Linking is proved by the grant in the person's pod (see link-service.ts).
 */
@ApiTags('solid')
@Controller()
export class SolidController {
  constructor(@Inject(SolidRuntime) private readonly rt: SolidRuntime) {}

  @Post('api/v1/solid/link')
  @HttpCode(200)
  @ApiOperation({ summary: "Link your WebID after granting the bridge's WebID Read/Append/Write on your pod's /social/" })
  async link(@Body() body: { webId?: unknown }) {
    const link = this.ready().link!;
    if (typeof body?.webId !== 'string') throw new HttpException('body must be {"webId": "<your WebID>"}', 400);
    return this.answer(() => link.link(body.webId as string));
  }

  @Post('api/v1/solid/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Copy everything you post on any network into your pod (on/off)' })
  async archive(@Body() body: { webId?: unknown; enabled?: unknown }) {
    const link = this.ready().link!;
    if (typeof body?.webId !== 'string' || typeof body?.enabled !== 'boolean') throw new HttpException('body must be {"webId": "…", "enabled": true|false}', 400);
    const pod = await this.answer(() => link.setArchive(body.webId as string, body.enabled as boolean));
    return { webId: pod.webId, archive: pod.archive };
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
          webhooks: p.channels.map((c) => ({ topic: c.topic, expiresAt: c.expiresAt })),
          ...(await rt.repo!.counts(p.id)),
          resourceErrors: await rt.repo!.errors(p.id, 10),
        })),
      ),
    };
  }

  @Post(`${WEBHOOK_PATH}/:podId`)
  @ApiOperation({ summary: 'WebhookChannel2023 notifications from pod servers (verified sender)' })
  async webhook(@Param('podId') podId: string, @Headers('authorization') authorization?: string, @Headers('dpop') dpop?: string) {
    const ingest = this.ready().ingest!;
    const r = await ingest.onWebhook(podId, { authorization, dpop });
    if (r.status !== 202) throw new HttpException(r.reason ?? 'refused', r.status);
    return { accepted: true };
  }

  private ready(): SolidRuntime {
    if (!this.rt.link || !this.rt.ingest) throw new ServiceUnavailableException(`Solid adapter not running: ${this.rt.problem}`);
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
