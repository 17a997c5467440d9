/**
 * What a person's act towards the bridge's bot account means for their consent, the same on every
 * network (Bridgy Fed's bot accounts are the model people know: follow to opt in, block to opt
 * out, or message the bot `start` / `stop`). Adapters translate their wire format into a
 * BotSignal; this decides; libs/consent/consent-change.ts applies it. Pure: no I/O.
 */
import type { Network } from '../events/index.js';

export type BotSignal =
  /** A follow of the bot (fediverse Follow, Bluesky graph.follow, a Nostr contact list naming it, a Solid AS2 Follow). */
  | { kind: 'follow' }
  /** The follow withdrawn (fediverse Undo Follow; a Nostr contact list without the bot; a deleted Bluesky follow). */
  | { kind: 'unfollow' }
  /** A block of the bot (fediverse Block, Bluesky graph.block, a Nostr mute list naming it, a Solid AS2 Block). */
  | { kind: 'block' }
  /** A direct message to the bot; its text is read as a command. */
  | { kind: 'message'; text: string };

export type ConsentIntent = 'opt-in' | 'opt-out';

/**
 * Whether withdrawing the follow opts out, per network. The fediverse: an Undo Follow is an explicit
 * act the person's server signs, and it has opted out since the bot existed. Bluesky and Nostr:
 * like Bridgy Fed, no: a Bluesky delete carries no subject, and a Nostr contact list is replaced
 * whole by clients that sometimes lose entries, so a missing entry is not a decision. Solid has no
 * unfollow message (an Undo there is explicit, like the fediverse's).
 */
export const UNFOLLOW_OPTS_OUT: Readonly<Record<Network, boolean>> = { activitypub: true, atproto: false, nostr: false, solid: true };

/** The commands a message to the bot may carry. Anything else gets the help text. */
export type BotCommand = 'start' | 'stop';

const COMMANDS: Record<string, BotCommand> = { start: 'start', stop: 'stop', 'opt-in': 'start', optin: 'start', 'opt-out': 'stop', optout: 'stop' };

/**
 * The command in a message: the first word after any leading mentions of the bot (a fediverse
 * client writes `@pontis@host start`; HTML is already text here), case-insensitive, trailing
 * punctuation ignored. A message with more words than the command is still that command ("stop
 * please") only if the command comes first: "do not stop" is not a stop.
 */
export function commandIn(text: string): BotCommand | undefined {
  const words = text
    .replace(/<[^>]*>/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  while (words.length && /^@|^nostr:n(pub|profile)1/i.test(words[0]!)) words.shift();
  const first = words[0]?.toLowerCase().replace(/^[/!]/, '').replace(/[.!?,;:]+$/, '');
  return first ? COMMANDS[first] : undefined;
}

/** The intent of a signal on `network`, or undefined when it means nothing for consent. */
export function intentOf(signal: BotSignal, network: Network): ConsentIntent | undefined {
  switch (signal.kind) {
    case 'follow':
      return 'opt-in';
    case 'block':
      return 'opt-out';
    case 'unfollow':
      return UNFOLLOW_OPTS_OUT[network] ? 'opt-out' : undefined;
    case 'message': {
      const c = commandIn(signal.text);
      return c === 'start' ? 'opt-in' : c === 'stop' ? 'opt-out' : undefined;
    }
  }
}

export type Consent = 'pending' | 'opted_in' | 'opted_out';

/**
 * What to do given the intent and the person's current consent (undefined: no account yet). An
 * opt-in when already opted in is a no-op (a second follow, a repeated `start`); an opt-out with
 * no account is a no-op (there is nothing of theirs anywhere). An opt-out when already opted out
 * still runs: optOut() resends the removals (same ids, deduplicated), so a lost one is recovered.
 */
export type ConsentAction = 'opt-in' | 'opt-out' | 'none';

export function actionFor(intent: ConsentIntent, current: Consent | undefined): ConsentAction {
  if (intent === 'opt-in') return current === 'opted_in' ? 'none' : 'opt-in';
  return current === undefined ? 'none' : 'opt-out';
}

/** The bot's answer to a message (same words on every network; the bot answers only messages). */
export function replyFor(intent: ConsentIntent | undefined, action: ConsentAction | 'refused', o: { publicUrl: string; tag: string }): string {
  const help = `Send "start" to bridge your posts to the other networks, "stop" to stop and remove your copies there. A post with #${o.tag} is never bridged. More: ${o.publicUrl}/dashboard`;
  if (action === 'refused') return `Sorry, this account cannot be bridged. ${help}`;
  if (intent === undefined) return help;
  if (intent === 'opt-in') return action === 'none' ? `You are already bridged. ${help}` : `Done: your posts are bridged from now on. Send "stop" to undo.`;
  return action === 'none' ? `You are not bridged. ${help}` : `Done: your posts are no longer bridged, and your copies on the other networks are being deleted. Send "start" to come back.`;
}

/**
 * The bot's profile text. Short enough for a Bluesky profile (256 graphemes) with a usual URL;
 * `messages: false` where the bot reads no messages (Bluesky: DMs are not on the PDS).
 */
export function botProfileText(o: { publicUrl: string; tag: string; follow: string; block: string; messages?: boolean }): string {
  const how =
    o.messages === false
      ? `${o.follow} this account to have your posts bridged; ${o.block} it to stop and delete your copies.`
      : `${o.follow} this account (or message it "start") to have your posts bridged; ${o.block} it (or message "stop") to stop and delete your copies.`;
  return `Pontis bridges the fediverse, Bluesky, Nostr and Solid, for people who ask. ${how} Posts with #${o.tag} stay here. ${o.publicUrl}`;
}
