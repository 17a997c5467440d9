/**
 * What an event aimed at the bridge's Nostr bot says (pure: crypto, no I/O). The bot's key is the
 * bridge's own (NostrKeys.botKey, NIP-05 `bridge@<domain>` and `_@<domain>`):
 * - kind 3 contact list naming the bot → follow (opt in). A list without it is not read as an
 *   unfollow (libs/consent: clients rewrite lists whole and lose entries);
 * - kind 10000 mute list naming the bot in its public tags → block (opt out);
 * - kind 4 (NIP-04) or kind 1059 gift wrap (NIP-17/NIP-59) → a message; the text is a command.
 * The sender is proven by the signature of the event (kind 3/4/10000) or of the seal inside the
 * wrap (nostr-tools unwrapEvent checks the seal and that the rumor's author is the seal's).
 */
import * as nip04 from 'nostr-tools/nip04';
import * as nip17 from 'nostr-tools/nip17';
import { finalizeEvent } from 'nostr-tools/pure';
import type { BotSignal } from '../../../libs/consent/index.js';
import { KIND, type NostrEvent } from '../mapping/index.js';

export const BOT_KIND = { dm: 4, giftWrap: 1059, chatMessage: 14 } as const;
/** Kinds the bot's `#p` subscription asks for. */
export const BOT_KINDS: readonly number[] = [KIND.contacts, BOT_KIND.dm, KIND.muteList, BOT_KIND.giftWrap];
/** NIP-59 wraps and seals carry created_at up to two days in the past, on purpose. */
export const GIFT_WRAP_SKEW_S = 2 * 24 * 3600;

export type BotEvent =
  | { ok: true; sender: string; signal: BotSignal; answer?: { via: 'nip04' | 'nip17'; replyTo: string }; createdAt: number }
  | { ok: false; reason: string };

const names = (e: NostrEvent, bot: string) => e.tags.some((t) => t[0] === 'p' && t[1] === bot);

export function readBotEvent(event: NostrEvent, bot: { pubkey: string; secretKey: Uint8Array }): BotEvent {
  if (event.pubkey === bot.pubkey) return { ok: false, reason: 'our own event' };
  switch (event.kind) {
    case KIND.contacts:
      return names(event, bot.pubkey) ? { ok: true, sender: event.pubkey, signal: { kind: 'follow' }, createdAt: event.created_at } : { ok: false, reason: 'contact list without the bot' };
    case KIND.muteList:
      return names(event, bot.pubkey) ? { ok: true, sender: event.pubkey, signal: { kind: 'block' }, createdAt: event.created_at } : { ok: false, reason: 'mute list without the bot (in its public tags)' };
    case BOT_KIND.dm: {
      if (!names(event, bot.pubkey)) return { ok: false, reason: 'direct message to someone else' };
      let text: string;
      try {
        text = nip04.decrypt(bot.secretKey, event.pubkey, event.content);
      } catch (err) {
        return { ok: false, reason: `NIP-04 message that does not decrypt: ${(err as Error).message}` };
      }
      return { ok: true, sender: event.pubkey, signal: { kind: 'message', text }, answer: { via: 'nip04', replyTo: event.id }, createdAt: event.created_at };
    }
    case BOT_KIND.giftWrap: {
      if (!names(event, bot.pubkey)) return { ok: false, reason: 'gift wrap for someone else' };
      let rumor: ReturnType<typeof nip17.unwrapEvent>;
      try {
        rumor = nip17.unwrapEvent(event, bot.secretKey);
      } catch (err) {
        return { ok: false, reason: `gift wrap that does not open: ${(err as Error).message}` };
      }
      if (rumor.kind !== BOT_KIND.chatMessage) return { ok: false, reason: `gift-wrapped kind ${rumor.kind}, not a chat message` };
      return { ok: true, sender: rumor.pubkey, signal: { kind: 'message', text: rumor.content }, answer: { via: 'nip17', replyTo: rumor.id }, createdAt: rumor.created_at };
    }
    default:
      return { ok: false, reason: `kind ${event.kind} means nothing to the bot` };
  }
}

/** The bot's answer, the same way it was asked (a NIP-04 reply to NIP-04, a gift wrap to a gift wrap). */
export function botAnswer(bot: { secretKey: Uint8Array }, to: string, text: string, how: { via: 'nip04' | 'nip17'; replyTo: string }, nowS = Math.floor(Date.now() / 1000)): NostrEvent {
  if (how.via === 'nip17') return nip17.wrapEvent(bot.secretKey, { publicKey: to }, text, undefined, { eventId: how.replyTo }) as NostrEvent;
  return finalizeEvent({ kind: BOT_KIND.dm, created_at: nowS, tags: [['p', to], ['e', how.replyTo]], content: nip04.encrypt(bot.secretKey, to, text) }, bot.secretKey) as NostrEvent;
}

/** The bot's kind 0: what it is and how to use it. */
export function botProfile(bot: { secretKey: Uint8Array }, o: { about: string; nip05: string; nowS?: number }): NostrEvent {
  const content = JSON.stringify({ name: 'bridge', display_name: 'Pontis bridge', about: o.about, nip05: o.nip05, bot: true });
  return finalizeEvent({ kind: KIND.profile, created_at: o.nowS ?? Math.floor(Date.now() / 1000), tags: [], content }, bot.secretKey) as NostrEvent;
}
