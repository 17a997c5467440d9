/**
 * The bridge's Nostr bot: the bridge's own key (NostrKeys.botKey, sealed like every other key),
 * `bridge@<domain>` by NIP-05, with a kind 0 that says how it works. Ingest hands it every
 * verified event that tags it (its own `#p` subscription, plus any watched author's event naming
 * it); it reads the signal (bot-event.ts), applies it through libs/consent (audited), tells ingest
 * to reload whom it watches, and answers messages the way they came.
 */
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { botProfileText, changeNativeConsent, intentOf, replyFor, type ConsentAction } from '../../../libs/consent/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import { NIP05_BOT_NAME } from '../identity/constants.js';
import type { NostrKeys } from '../identity/bridged-keys.js';
import type { NostrEvent } from '../mapping/index.js';
import type { SubSpec } from '../ingest/watch-list.js';
import { BOT_KIND, BOT_KINDS, botAnswer, botProfile, GIFT_WRAP_SKEW_S, readBotEvent } from './bot-event.js';

export interface NostrBotOptions {
  ds: DataSource;
  bus: Bus;
  keys: Pick<NostrKeys, 'botKey'>;
  /** Where the bot's profile and answers go (the bridge relays). */
  publish: (event: NostrEvent) => Promise<unknown>;
  nip05Domain: string;
  publicUrl: string;
  optOutTag: string;
  /** Someone opted in or out: reload whom ingest watches. */
  onConsentChange: () => void;
  logger?: Logger;
}

/** Subscription keys of the bot's REQs (watch-list keys are a/p/r + a number). */
const BOT_SPEC = 'bot';
const WRAP_SPEC = 'botwrap';

export class NostrBot {
  private readonly log: Logger;
  private key?: { pubkey: string; secretKey: Uint8Array };
  /** Settles when the profile was sent (or refused), for tests. */
  profileSent: Promise<void> = Promise.resolve();

  constructor(private readonly o: NostrBotOptions) {
    this.log = o.logger ?? createLogger('nostr-bot');
  }

  get pubkey(): string {
    if (!this.key) throw new Error('NostrBot not started');
    return this.key.pubkey;
  }

  /** Loads (or creates, once) the key and publishes the profile; a relay that refuses the profile is logged, not fatal. */
  async start(): Promise<void> {
    this.key = await this.o.keys.botKey();
    const about = botProfileText({ publicUrl: this.o.publicUrl, tag: this.o.optOutTag, follow: 'Follow', block: 'Mute' });
    // Not awaited: a slow relay must not hold up the adapter's start (the profile is replaceable; the next start sends it again).
    const published = this.o.publish(botProfile(this.key, { about, nip05: `${NIP05_BOT_NAME}@${this.o.nip05Domain}` })).catch((err: Error) => this.log.warn('bot profile not published', { err: err.message }));
    this.profileSent = published.then(() => undefined);
    this.log.info('nostr bot ready', { pubkey: this.key.pubkey });
  }

  /**
   * The bot's REQs for one relay. Gift wraps are asked for two days further back (their
   * created_at is randomized into the past) and do not gate the relay's cursor.
   */
  specs(since: number | undefined): SubSpec[] {
    const p = [this.pubkey];
    const kinds = BOT_KINDS.filter((k) => k !== BOT_KIND.giftWrap);
    return [
      { key: BOT_SPEC, filter: { '#p': p, kinds, ...(since === undefined ? {} : { since }) }, gatesCursor: true },
      { key: WRAP_SPEC, filter: { '#p': p, kinds: [BOT_KIND.giftWrap], ...(since === undefined ? {} : { since: Math.max(0, since - GIFT_WRAP_SKEW_S) }) }, gatesCursor: false },
    ];
  }

  isBotSpec(key: string): boolean {
    return key === BOT_SPEC || key === WRAP_SPEC;
  }

  /** Whether a verified event is for the bot (tags it). */
  concerns(event: NostrEvent): boolean {
    return !!this.key && event.tags.some((t) => t[0] === 'p' && t[1] === this.key!.pubkey);
  }

  /** One verified event that tags the bot. Never throws: a bad one is logged and the stream goes on. */
  async handle(event: NostrEvent, spec: SubSpec): Promise<void> {
    try {
      await this.apply(event, spec);
    } catch (err) {
      this.log.warn('bot event failed', { eventId: event.id, kind: event.kind, err: (err as Error).message });
    }
  }

  private async apply(event: NostrEvent, spec: SubSpec): Promise<void> {
    const read = readBotEvent(event, this.key!);
    if (!read.ok) return void this.log.debug('event for the bot ignored', { eventId: event.id, reason: read.reason });
    // A gift wrap asked for two days back: its message (real time inside) may predate the cursor: already answered.
    const since = spec.key === WRAP_SPEC ? spec.filter.since : undefined;
    if (since !== undefined && read.createdAt < since + GIFT_WRAP_SKEW_S) return void this.log.debug('old gift-wrapped message skipped', { eventId: event.id });
    const intent = intentOf(read.signal, 'nostr');
    let action: ConsentAction | 'refused' = 'none';
    if (intent) {
      const r = await changeNativeConsent(this.o.ds, this.o.bus, { network: 'nostr', nativeId: read.sender, intent, actor: 'bot:nostr', via: read.signal.kind === 'message' ? `message (${read.answer!.via})` : read.signal.kind });
      action = r.ok ? r.action : 'refused';
      this.log.info('consent from the nostr bot', { pubkey: read.sender, eventId: event.id, signal: read.signal.kind, action, ...(r.ok ? { accountId: r.accountId } : { reason: r.reason }) });
      if (r.ok && r.action !== 'none') this.o.onConsentChange();
    }
    if (!read.answer) return;
    const text = replyFor(intent, action, { publicUrl: this.o.publicUrl, tag: this.o.optOutTag });
    await this.o.publish(botAnswer(this.key!, read.sender, text, read.answer));
  }
}
