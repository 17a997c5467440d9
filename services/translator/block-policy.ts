/**
 * Blocks honored across networks. When A blocks B (on any network, B's own account or B's proxy),
 * the bridge stops carrying B's interactions aimed at A onto every network until A unblocks:
 * replies to A's posts, quotes of them, likes and reposts of them, follows of A (dropped whole,
 * reason `blocked-by-recipient`), and mentions of A (the post still goes; the mention is left as
 * plain text, not a mention). B's other posts still bridge, and undos and deletions always pass, so
 * B can take back what was bridged before the block. Pure: reads and extends the context.
 */
import { actorKey, type ActorRef, type BridgeEvent } from '../../libs/events/index.js';
import type { BlockChange } from '../../libs/moderation/index.js';
import { refKey } from './object-key.js';
import type { AccountInfo, TranslationContext } from './translation-context.js';

/**
 * The block relation this event makes or undoes, if any, applied to `ctx` so later events in the
 * same batch see it. Only blocks of someone the bridge carries (an identity in an account) are
 * kept: a Nostr mute list naming hundreds of strangers is none of our business. The bridge bot's
 * block (consent) is not a person's block: its subject is no person's identity.
 */
export function noteBlock(event: BridgeEvent, ctx: TranslationContext): BlockChange | undefined {
  if ((event.type !== 'block.created' && event.type !== 'block.deleted') || !event.subject) return undefined;
  const blocked = ctx.identities.get(actorKey(event.subject));
  // An unblock is always applied: the identity may have left since the block was stored.
  if (!blocked && event.type === 'block.created') return undefined;
  const change: BlockChange = {
    op: event.type === 'block.created' ? 'add' : 'remove',
    blocker: { network: event.actor.network, id: event.actor.id },
    blocked: { network: event.subject.network, id: event.subject.id },
    ...(event.type === 'block.created' && { ref: event.source.id }),
  };
  if (blocked) {
    const blocker = ctx.identities.get(actorKey(event.actor));
    const keys = [actorKey(event.actor), ...(blocker ? (ctx.accounts.get(blocker.accountId)?.identities.map(actorKey) ?? []) : [])];
    const blockers = (ctx.blockers ??= new Map());
    let set = blockers.get(blocked.accountId);
    if (!set) blockers.set(blocked.accountId, (set = new Set()));
    // Within a batch an unblock lifts the whole block (a second block of another proxy of the same
    // account, still in force, is seen again from the table by the next batch).
    for (const k of keys) change.op === 'add' ? set.add(k) : set.delete(k);
  }
  return change;
}

/** Whether `actor` (`<network>:<id>`, any identity of theirs) blocked the author's account. */
export function blocksAuthor(ctx: TranslationContext, author: AccountInfo, actor: string | undefined): boolean {
  return !!actor && !!ctx.blockers?.get(author.id)?.has(actor);
}

/** Whether the event is an interaction aimed at someone who blocked its author. */
export function aimedAtBlocker(event: BridgeEvent, author: AccountInfo, ctx: TranslationContext): boolean {
  if (!ctx.blockers?.get(author.id)?.size) return false;
  const ownerOf = (ref: { network: ActorRef['network']; id: string } | undefined) => (ref ? ctx.objects.get(refKey(ref))?.owner : undefined);
  switch (event.type) {
    case 'post.created':
    case 'post.updated':
      return blocksAuthor(ctx, author, ownerOf(event.object?.replyTo)) || blocksAuthor(ctx, author, ownerOf(event.object?.quote));
    case 'reaction.added':
    case 'repost.created':
      return blocksAuthor(ctx, author, ownerOf(event.target));
    case 'follow.created':
      return blocksAuthor(ctx, author, event.subject && actorKey(event.subject));
    default:
      return false;
  }
}
