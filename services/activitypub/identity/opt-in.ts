/**
 * The fediverse bot: the bridge's instance actor `@pontis@<host>`. Proof of control is the signed
 * activity itself (the inbox checks signature and key owner), the way Bridgy Fed's bot accounts
 * take consent:
 * - Follow → opt in: the actor is linked as a native identity of an opted-in account, and the
 *   instance actor follows them back so their posts reach the bridge;
 * - Undo of that Follow, or Block of the instance actor → opt out (optOut: their copies elsewhere
 *   are deleted);
 * - a direct message (a Note addressed to the instance actor only) `start` / `stop` → opt in / out,
 *   answered with a direct reply; anything else is answered with the help text.
 * What each act means is decided in libs/consent/bot-signal.ts, the same for every network.
 */
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { changeNativeConsent, intentOf, replyFor, type BotSignal, type ConsentChange } from '../../../libs/consent/index.js';
import { linkNativeIdentity } from '../../../libs/store/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { AsObject } from '../mapping/index.js';

const log = createLogger('activitypub-bot');

export type LinkResult = { ok: true; accountId: string; created: boolean } | { ok: false; reason: string };

/** Linking by a code in a public post (link-proof.ts) shares this; the bot goes through libs/consent. */
export class FediverseLinks {
  constructor(private readonly ds: DataSource) {}

  async link(actorId: string, handle: string | undefined, intoAccount?: string): Promise<LinkResult> {
    const r = await linkNativeIdentity(this.ds, { network: 'activitypub', nativeId: actorId, handle, intoAccount });
    return r.ok ? { ok: true, accountId: r.accountId, created: r.created } : { ok: false, reason: r.reason };
  }
}

export interface FediverseBotOptions {
  ds: DataSource;
  bus: Bus;
  instanceActorId: string;
  followBack: (person: AsObject) => Promise<void>;
  /** A direct Note from the instance actor to `person`, replying to `inReplyTo`. */
  sendDirect: (person: AsObject, text: string, inReplyTo: string) => Promise<void>;
  publicUrl: string;
  optOutTag: string;
}

/** What the inbox calls when someone follows, unfollows, blocks or messages the instance actor. */
export function optInHandlers(o: FediverseBotOptions) {
  const apply = async (actorId: string, handle: string | undefined, signal: BotSignal): Promise<ConsentChange | undefined> => {
    const intent = intentOf(signal, 'activitypub');
    if (!intent) return undefined;
    const r = await changeNativeConsent(o.ds, o.bus, { network: 'activitypub', nativeId: actorId, handle, intent, actor: 'bot:activitypub', via: signal.kind });
    if (r.ok) log.info('consent from the fediverse bot', { actor: actorId, signal: signal.kind, action: r.action, accountId: r.accountId });
    else log.info('consent change refused', { actor: actorId, signal: signal.kind, reason: r.reason });
    return r;
  };
  return {
    async followed(person: AsObject, handle: string | undefined): Promise<void> {
      const r = await apply(person.id as string, handle, { kind: 'follow' });
      // Followed back even when already opted in: a lost follow-back is recovered by following again.
      if (r?.ok) await o.followBack(person);
    },
    async unfollowed(actorId: string): Promise<void> {
      await apply(actorId, undefined, { kind: 'unfollow' });
    },
    async blocked(actorId: string): Promise<void> {
      await apply(actorId, undefined, { kind: 'block' });
    },
    async messaged(person: AsObject, handle: string | undefined, note: AsObject): Promise<void> {
      const text = typeof note.content === 'string' ? note.content : typeof note.summary === 'string' ? note.summary : '';
      const signal: BotSignal = { kind: 'message', text };
      const intent = intentOf(signal, 'activitypub');
      const r = await apply(person.id as string, handle, signal);
      if (intent === 'opt-in' && r?.ok && r.action !== 'none') await o.followBack(person);
      const answer = replyFor(intent, r ? (r.ok ? r.action : 'refused') : 'none', { publicUrl: o.publicUrl, tag: o.optOutTag });
      await o.sendDirect(person, answer, note.id as string);
    },
  };
}
