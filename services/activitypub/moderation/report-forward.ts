/**
 * Forwarding a report to the reported person's fediverse server (a report.created command from the
 * translator: the report was made on another network about this person's proxy or post there).
 * As Mastodon forwards a report to a remote instance: a Flag from the instance actor, never naming
 * the reporter, with the reported account first and then its posts, POSTed to the account's inbox
 * (its server's shared inbox when it has one). The Flag is not stored or served: reports are not
 * public.
 */
import { DeliveryError, type DeliveryResult } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { RemoteFetcher, Signer } from '../federation/remote-fetch.js';
import { activityUrl, AS_CONTEXT, type AsObject } from '../mapping/index.js';
import { apexForm, inboxOf } from '../store/apex-form.js';

const log = createLogger('activitypub-report-forward');

/** The Flag for one reported fediverse account (pure). */
export function flagFor(command: OutboundCommand, reported: string, o: { baseUrl: string; instanceActorId: string }): AsObject {
  const objects = Object.values(command.objects ?? {})
    .filter((x) => !x.author || x.author === reported)
    .map((x) => x.id);
  const reason = command.event.report?.reason;
  return {
    '@context': AS_CONTEXT,
    id: activityUrl(o.baseUrl, `flag:${command.id}:${reported}`),
    type: 'Flag',
    actor: o.instanceActorId,
    object: [reported, ...objects],
    content: `Reported on ${command.event.actor.network} through the Pontis bridge${reason ? `: ${reason}` : ''}`.slice(0, 5000),
    to: [reported],
  };
}

export class ReportForwarder {
  constructor(
    private readonly o: { fetcher: RemoteFetcher; baseUrl: string; instanceActorId: string; signer: () => Signer | undefined },
  ) {}

  readonly deliver = async (command: OutboundCommand): Promise<DeliveryResult> => {
    const signer = this.o.signer();
    if (!signer) throw new DeliveryError('instance actor not ready', { kind: 'transient', target: 'activitypub' });
    const reported = [...new Set(Object.values(command.actors).map((a) => a.id))];
    if (!reported.length) return { skipped: 'report names no fediverse account' };
    for (const actor of reported) {
      let doc: AsObject;
      try {
        doc = await this.o.fetcher.getJson(actor);
      } catch (err) {
        throw new DeliveryError(`cannot resolve reported actor ${actor}: ${(err as Error).message}`, { kind: 'transient', target: actor, cause: err });
      }
      const form = apexForm(doc);
      const inbox = inboxOf(form, true);
      if (!inbox) throw new DeliveryError(`reported actor ${actor} has no inbox`, { kind: 'permanent', target: actor });
      // The same Flag id on a retry: a server that took it already ignores it.
      await this.o.fetcher.postActivity(inbox, JSON.stringify(flagFor(command, actor, this.o)), signer);
      log.info('report forwarded', { commandId: command.id, inbox });
    }
    return {};
  };
}
