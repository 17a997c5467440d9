/**
 * Forwarding a report made on another network about a bridged Nostr person (their proxy or a copy
 * of their note there) to Nostr: a NIP-56 kind 1984 signed by the bridge's own key (never the
 * reporter's), published to the bridge relays and to the reported person's NIP-65 read relays, so
 * their clients and relay operators see it.
 */
import { finalizeEvent } from 'nostr-tools/pure';
import type { DeliveryResult } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { NostrKeys } from '../identity/index.js';
import type { NostrEvent } from '../mapping/index.js';
import type { InboxRelays } from '../publish/inbox-relays.js';
import type { RelayPublisher } from '../publish/relay-publisher.js';
import { forwardedReport } from './nip56-report.js';

const log = createLogger('nostr-report-forward');
const HEX64 = /^[0-9a-f]{64}$/;

export class NostrReportForwarder {
  constructor(private readonly o: { keys: NostrKeys; publisher: RelayPublisher; inboxes?: InboxRelays }) {}

  readonly deliver = async (command: OutboundCommand): Promise<DeliveryResult> => {
    const actors = [...new Set(Object.values(command.actors).map((a) => a.id))].filter((p) => HEX64.test(p));
    if (!actors.length) return { skipped: 'report names no Nostr pubkey' };
    const objects = Object.values(command.objects ?? {}).filter((x) => HEX64.test(x.id));
    const template = forwardedReport({
      actors,
      objects: objects.map((x) => ({ id: x.id, author: x.author })),
      reason: command.event.report?.reason,
      reporterNetwork: command.event.actor.network,
      // From the report's time: a retry signs the same event, which relays answer "duplicate".
      createdAt: Math.floor(Date.parse(command.event.occurredAt) / 1000),
    });
    const key = await this.o.keys.botKey();
    let event: NostrEvent;
    try {
      event = finalizeEvent(template, key.secretKey) as NostrEvent;
    } finally {
      key.secretKey.fill(0);
    }
    const others = (await this.o.inboxes?.forPubkeys(actors)) ?? [];
    await this.o.publisher.publishOrThrow(event, others);
    log.info('report forwarded', { commandId: command.id, eventId: event.id, relays: others.length });
    return {};
  };
}
