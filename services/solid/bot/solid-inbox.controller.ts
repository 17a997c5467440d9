import { Body, Controller, HttpCode, HttpException, Inject, Post, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import type { PontisConfig } from '../../../libs/config/index.js';
import { actionFor, changeNativeConsent, intentOf, DEFAULT_OPT_OUT_TAG, OptOutDeliveryError, recordOptIn, replyFor, type Consent, type ConsentAction } from '../../../libs/consent/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { BUS, CONFIG, DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { LinkError } from '../identity/index.js';
import { SolidRuntime } from '../solid-runtime.js';
import { inboxSignal } from './inbox-signal.js';

export const BRIDGE_INBOX_PATH = '/api/v1/solid/inbox';
const log = createLogger('solid-bot');

/**
 * The Solid bot: the inbox (ldp:inbox) of the bridge's WebID. A Solid person POSTs an AS2 Follow
 * of the bridge's WebID (opt in: the same link as POST /api/v1/solid/link, so the grant on their
 * pod must be there), a Block or an Undo of the Follow (opt out: optOut, copies deleted), or a
 * Note saying start / stop. Only with their own DPoP-bound token: the login cookie is not enough
 * here (a cross-site form could post with it), and nobody can speak for another WebID.
 */
@ApiTags('solid')
@Controller()
export class SolidInboxController {
  constructor(
    @Inject(SolidRuntime) private readonly rt: SolidRuntime,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: PontisConfig,
  ) {}

  @Post(BRIDGE_INBOX_PATH)
  @HttpCode(200)
  @ApiOperation({ summary: "The bridge WebID's inbox: Follow it to opt in, Block it (or Undo the Follow) to opt out, or send a Note saying start or stop; with your DPoP-bound Solid token" })
  async receive(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { link, auth, bridgeWebId } = this.rt;
    if (!link || !auth || !bridgeWebId) throw new ServiceUnavailableException(`Solid adapter not running: ${this.rt.problem}`);
    const who = await auth.authenticate({ method: req.method, path: req.path, authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined });
    if (!who.ok) {
      res.setHeader('www-authenticate', 'DPoP algs="ES256 RS256 PS256"');
      throw new HttpException(who.reason, 401);
    }
    const read = inboxSignal(body, { bridgeWebId, sender: who.webId });
    if (!read.ok) throw new HttpException(read.reason, 400);
    const intent = intentOf(read.signal, 'solid');
    const tag = this.config.consent.optOutTags[0] ?? DEFAULT_OPT_OUT_TAG;
    let action: ConsentAction = 'none';
    if (intent === 'opt-in') {
      const rows: { consent: Consent }[] = await this.ds.query(
        `SELECT a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'solid' AND i.native_id = $1 AND i.kind = 'native'`,
        [who.webId],
      );
      action = actionFor('opt-in', rows[0]?.consent);
      if (action === 'opt-in') {
        // The same as the link route: the grant on their pod is checked, containers and webhooks set up.
        const linked = await link.link(who.webId).catch((err: unknown) => {
          if (err instanceof LinkError) throw new HttpException(err.message, err.status);
          throw err;
        });
        await recordOptIn(this.ds, 'bot:solid', linked.accountId, { network: 'solid', via: read.signal.kind });
      }
    } else if (intent === 'opt-out') {
      const r = await changeNativeConsent(this.ds, this.bus, { network: 'solid', nativeId: who.webId, intent, actor: 'bot:solid', via: read.signal.kind }).catch((err: unknown) => {
        if (err instanceof OptOutDeliveryError) throw new ServiceUnavailableException(err.message);
        throw err;
      });
      if (!r.ok) throw new HttpException(r.reason, r.status);
      action = r.action;
    }
    log.info('consent from the solid bot', { webId: who.webId, signal: read.signal.kind, action });
    return { webId: who.webId, consent: intent === 'opt-in' ? 'opted_in' : intent === 'opt-out' ? 'opted_out' : null, changed: action !== 'none', message: replyFor(intent, action, { publicUrl: this.config.publicUrl, tag }) };
  }
}
