import { finalizeEvent } from 'nostr-tools/pure';
import type { DataSource } from 'typeorm';
import { DeliveryError, type DeliveryResult } from '../../../libs/adapter/index.js';
import type { OutboundCommand } from '../../../libs/events/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import type { NostrKeys } from '../identity/index.js';
import { copyIdOf, KIND, render, type NostrEvent, type NostrTemplate, type RenderContext } from '../mapping/index.js';
import type { InboxRelays } from './inbox-relays.js';
import type { NostrProvisioner, DisplayInfo } from './provision.js';
import type { RelayPublisher } from './relay-publisher.js';

export type Signer = (template: NostrTemplate, secretKey: Uint8Array) => NostrEvent;

export interface NostrDelivererOptions {
  ds: DataSource;
  keys: NostrKeys;
  publisher: RelayPublisher;
  provisioner: NostrProvisioner;
  /** Tagged people's NIP-65 read relays, where replies, mentions and reactions also go. Absent: own relays only. */
  inboxes?: InboxRelays;
  /** nostr-tools finalizeEvent; replaceable in tests to make an event a relay refuses. */
  sign?: Signer;
  logger?: Logger;
}

interface Identity {
  identityId: string;
  pubkey: string;
  handle: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const LIST_KIND: Partial<Record<string, number>> = {
  'follow.created': KIND.contacts,
  'follow.deleted': KIND.contacts,
  'block.created': KIND.muteList,
  'block.deleted': KIND.muteList,
};

/**
 * deliver() for the outbound runner: identity (provisioned on first use), render with the pure
 * mapper, sign, record the copy in object_map, publish to the bridge relays, return the copy ref.
 */
export class NostrDeliverer {
  private readonly log: Logger;
  private readonly sign: Signer;

  constructor(private readonly o: NostrDelivererOptions) {
    this.log = o.logger ?? createLogger('nostr-deliverer');
    this.sign = o.sign ?? ((t, sk) => finalizeEvent(t, sk) as NostrEvent);
  }

  /** Bound, so it can be handed to OutboundRunner as `deliver`. */
  readonly deliver = async (command: OutboundCommand): Promise<DeliveryResult> => {
    if (command.as.mode !== 'bridged')
      throw new DeliveryError("publishing as a person's own Nostr key needs a remote signer (NIP-46), which is not built", {
        kind: 'permanent',
        target: 'nostr',
        status: 'native-mode',
      });
    const me = await this.identity(command);
    const ctx = await this.context(command, me);
    const { templates, skipped } = render(command, ctx);
    if (!templates.length) return { skipped: skipped ?? 'nothing to publish', ref: this.listRefWhenSkipped(command, me, skipped) };
    const key = await this.o.keys.keyFor(me.identityId);
    let events: NostrEvent[];
    try {
      events = templates.map((t) => this.sign(t, key.secretKey));
    } finally {
      key.secretKey.fill(0);
    }
    const copyId = copyIdOf(command, events[0]!);
    // Before publishing: the id is known now, so our own event coming back through ingest is
    // recognised as a copy even if we crash right after the relay took it.
    const recorded = copyId ? await this.recordCopy(command.objectKey, copyId) : false;
    try {
      // In order (account deletion: kind 5, then the NIP-62 vanish request). A retry re-renders the
      // same ids (created_at comes from the event), so what a relay already took comes back "duplicate:".
      for (const event of events) {
        const others = (await this.o.inboxes?.forEvent(event, [me.pubkey])) ?? [];
        const report = await this.o.publisher.publishOrThrow(event, others);
        if (others.length) void report.others.then((rs) => this.log.debug('sent to tagged people\'s relays', { eventId: event.id, results: rs.map((r) => `${r.relay} ${r.outcome}`) }));
      }
    } catch (err) {
      // Never published and never will be: do not leave a copy that points nowhere.
      if (recorded && err instanceof DeliveryError && err.kind !== 'transient') await this.forgetCopy(command.objectKey, copyId!);
      throw err;
    }
    this.log.debug('published', { commandId: command.id, eventIds: events.map((e) => e.id) });
    return { ref: copyId ? { network: 'nostr', id: copyId } : undefined };
  };

  /** The account's bridged identity with its key; provisioned first when missing (command.as.id absent). */
  private async identity(command: OutboundCommand): Promise<Identity> {
    const accountId = command.as.accountId;
    if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw new DeliveryError(`no account to publish as (${JSON.stringify(accountId)})`, { kind: 'permanent', target: 'nostr', status: 'no-account' });
    const rows: { id: string; native_id: string; handle: string | null }[] = await this.o.ds.query(
      `SELECT id, native_id, handle FROM identities WHERE account_id = $1 AND network = 'nostr' AND kind = 'bridged' ORDER BY created_at LIMIT 1`,
      [accountId],
    );
    const row = rows[0];
    if (row && HEX64.test(row.native_id)) {
      if (command.as.id && command.as.id !== row.native_id) this.log.warn('command names another pubkey than the ledger; using the identity row', { commandId: command.id });
      return { identityId: row.id, pubkey: row.native_id, handle: row.handle ?? '' };
    }
    const p = await this.o.provisioner.provisionIdentity(accountId, displayOf(command));
    return { identityId: p.identityId, pubkey: p.pubkey, handle: p.handle };
  }

  /** What the mapper cannot know. Reads that fail throw (transient): rendering from partial state would differ on retry. */
  private async context(command: OutboundCommand, me: Identity): Promise<RenderContext> {
    const ctx: RenderContext = { nip05: me.handle || undefined };
    const refs = Object.values(command.refs).filter((r) => r !== undefined);
    const ownRelay = this.o.publisher.publishRelays[0];
    // Copies we published live on our relays; where a native Nostr original lives we do not know yet.
    const copies = new Set(refs.filter((r) => !r.original).map((r) => r.id));
    ctx.relayHint = (id) => (copies.has(id) ? ownRelay : undefined);
    const authors = await this.authors(refs.map((r) => r.id).filter((id) => HEX64.test(id)));
    ctx.authorOf = (id) => authors.get(id);
    const listKind = LIST_KIND[command.event.type];
    const type = command.event.type;
    if (listKind !== undefined || type === 'profile.updated') {
      const latest = await this.o.publisher.latest({ authors: [me.pubkey], kinds: [listKind ?? KIND.profile] });
      if (listKind === KIND.contacts) ctx.currentFollows = { tags: latest?.tags ?? [], content: latest?.content ?? '' };
      if (listKind === KIND.muteList) ctx.currentMutes = { tags: latest?.tags ?? [], content: latest?.content ?? '' };
      // Replaceable events: a version not newer than the relay's is dropped (provisioning wrote kind 0 "now").
      const own = Math.floor(Date.parse(command.event.occurredAt) / 1000);
      if (latest && latest.created_at >= own) ctx.createdAt = latest.created_at + 1;
    }
    return ctx;
  }

  /**
   * Authors of referenced Nostr objects, for `p` tags: a native original's owner is its pubkey; a
   * copy's author is the Nostr identity of the original's owner's account (we published it as them).
   */
  private async authors(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows: { native_id: string; author: string | null }[] = await this.o.ds.query(
      `SELECT m.native_id,
              CASE WHEN m.is_original AND m.owner_network = 'nostr' THEN m.owner_id
                   ELSE (SELECT i2.native_id FROM object_map o
                           JOIN identities i1 ON i1.network = o.owner_network AND i1.native_id = o.owner_id
                           JOIN identities i2 ON i2.account_id = i1.account_id AND i2.network = 'nostr'
                          WHERE o.object_key = m.object_key AND o.is_original
                          ORDER BY i2.kind = 'bridged' DESC LIMIT 1) END AS author
         FROM object_map m WHERE m.network = 'nostr' AND m.native_id = ANY($1)`,
      [ids],
    );
    return new Map(rows.filter((r) => r.author && HEX64.test(r.author)).map((r) => [r.native_id, r.author!]));
  }

  /** A follow already in the list (a retry after the relay took it) still names the list entry. */
  private listRefWhenSkipped(command: OutboundCommand, me: Identity, skipped: string | undefined): DeliveryResult['ref'] {
    const kind = LIST_KIND[command.event.type];
    if (kind === undefined || !command.event.type.endsWith('.created') || skipped !== 'already in the list') return undefined;
    const id = copyIdOf(command, { id: '', pubkey: me.pubkey, kind, tags: [] });
    return id ? { network: 'nostr', id } : undefined;
  }

  private async recordCopy(objectKey: string, nativeId: string): Promise<boolean> {
    const rows: unknown[] = await this.o.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'nostr', $2, false) ON CONFLICT (network, native_id) DO NOTHING RETURNING id`,
      [objectKey, nativeId],
    );
    return rows.length > 0;
  }

  private async forgetCopy(objectKey: string, nativeId: string): Promise<void> {
    await this.o.ds.query(`DELETE FROM object_map WHERE network = 'nostr' AND native_id = $1 AND object_key = $2 AND NOT is_original`, [nativeId, objectKey]);
  }
}

function displayOf(command: OutboundCommand): DisplayInfo {
  const p = command.event.type === 'profile.updated' ? command.event.profile : undefined;
  return {
    displayName: p?.displayName ?? command.event.actor.handle,
    summary: p?.summary,
    avatarUrl: p?.avatar?.url,
    bannerUrl: p?.banner?.url,
    website: p?.links?.[0]?.url,
  };
}
