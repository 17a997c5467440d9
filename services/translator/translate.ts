import {
  actorKey,
  commandId,
  COMMAND_SCHEMA_VERSION,
  CREATING_TYPES,
  MODERATION_TYPES,
  NETWORKS,
  PUBLISHES_AS_NATIVE,
  REMOVING_TYPES,
  SUBJECT_TYPES,
  type ActorRef,
  type BridgeEvent,
  type MappedRef,
  type Network,
  type ObjectRef,
  type OutboundCommand,
  type PublishAs,
} from '../../libs/events/index.js';
import { aimedAtBlocker, blocksAuthor, noteBlock } from './block-policy.js';
import type { BlockChange } from '../../libs/moderation/index.js';
import { routeReport, type ReportRecord } from './report-routing.js';
import { DEFAULT_OPT_OUT_TAGS, hasOptOutTag } from '../../libs/consent/opt-out-tag.js';
import { consentDenies, policyDenies, targetOpen, type DropReason } from './consent-policy.js';
import { objectKeyFor, refKey } from './object-key.js';
import { withParentLink } from './parent-link.js';
import { authorNamedBy, decideParent } from './parent-rule.js';
import type { AccountInfo, ObjectInfo, TranslationContext } from './translation-context.js';

/** An event that must wait for the object it points at to exist on `target`. */
export interface Hold {
  target: Network;
  objectKey: string;
  wait: ObjectRef;
  reason: string;
  /** A parent never seen whose author is unknown: waited for briefly (parent-rule.ts). */
  briefly?: boolean;
}

export interface TranslateOptions {
  /** The wait for the parents has ended: a reply or quote goes now, linking a parent that has no copy. */
  parentsGivenUp?: boolean;
}

/** A target that will never get this event, with why (counted, shown in status). */
export interface Skip {
  target: Network;
  reason: 'not-bridged-there' | 'subject-not-bridged' | 'deleted';
}

export interface NewOriginal {
  objectKey: string;
  ref: ObjectRef;
  owner: ActorRef;
}

export type Outcome =
  | { kind: 'drop'; event: BridgeEvent; reason: DropReason; block?: BlockChange }
  | {
      kind: 'translated';
      event: BridgeEvent;
      /** A block made or undone, to record whatever else happens to the event. */
      block?: BlockChange;
      /** A report for the moderators (its commands forward it to the reported person's home network). */
      report?: ReportRecord;
      objectKey: string;
      accountId: string;
      original?: NewOriginal;
      commands: OutboundCommand[];
      holds: Hold[];
      skips: Skip[];
    };

/**
 * Decides what one event becomes on every other network. Pure: reads `ctx`, and records in it
 * what this event creates so later events in the same batch see it. `onlyTarget` re-evaluates a
 * held event for one network.
 */
export function translate(event: BridgeEvent, ctx: TranslationContext, onlyTarget?: Network, opts: TranslateOptions = {}): Outcome {
  let block: BlockChange | undefined;
  const drop = (reason: DropReason): Outcome => ({ kind: 'drop', event, reason, ...(block && { block }) });
  if (!onlyTarget) {
    // The same event twice in one batch (seen on two relays) is a duplicate too.
    if (ctx.processed.has(event.id)) return drop('duplicate');
    ctx.processed.add(event.id);
  }
  if (event.trace.bridged || event.trace.hops > 0) return drop('echo');
  const actorIdentity = ctx.identities.get(actorKey(event.actor));
  if (actorIdentity?.kind === 'bridged') return drop('echo');
  const sourceInfo = ctx.objects.get(refKey(event.source));
  if (CREATING_TYPES.has(event.type) && sourceInfo && !sourceInfo.copies[event.source.network]?.original) return drop('echo');
  if (!onlyTarget) block = noteBlock(event, ctx);

  const denied = policyDenies(ctx.policy, event.actor);
  if (denied) return drop(denied);
  // Reports go to the bridge's moderators and the reported person's home server, never bridged as such.
  if (MODERATION_TYPES.has(event.type)) return (!onlyTarget && reportOutcome(event, ctx)) || drop('moderation');
  const account = actorIdentity ? ctx.accounts.get(actorIdentity.accountId) : undefined;
  const refused = consentDenies(ctx.policy, account, event.type);
  if (refused) return drop(refused);
  if (!account) return drop('not-opted-in');
  if (!ownsTarget(event, account, ctx)) return drop('not-owner');
  if (aimedAtBlocker(event, account, ctx)) return drop('blocked-by-recipient');
  if (event.object) {
    if (hasOptOutTag(event.object, ctx.policy.optOutTags ?? DEFAULT_OPT_OUT_TAGS)) return drop('nobridge-tag');
    if (event.object.visibility === 'followers' || event.object.visibility === 'direct') return drop('not-public');
  }

  const objectKey = CREATING_TYPES.has(event.type)
    ? (sourceInfo?.objectKey ?? objectKeyFor(event.source))
    : (event.target ? (ctx.objects.get(refKey(event.target))?.objectKey ?? objectKeyFor(event.target)) : objectKeyFor(event.source));

  const targets = (onlyTarget ? [onlyTarget] : NETWORKS).filter((t) => targetOpen(ctx.policy, account, event.actor.network, t));
  if (!targets.length) return drop('no-targets');

  let original: NewOriginal | undefined;
  if (CREATING_TYPES.has(event.type) && !sourceInfo) {
    original = { objectKey, ref: event.source, owner: event.actor };
    ctx.objects.set(refKey(event.source), {
      objectKey,
      owner: actorKey(event.actor),
      copies: { [event.source.network]: { id: event.source.id, cid: event.source.cid, url: event.source.url, original: true } },
      planned: new Set(),
      deleted: false,
    });
  }
  const created = ctx.objects.get(refKey(event.source));

  const commands: OutboundCommand[] = [];
  const holds: Hold[] = [];
  const skips: Skip[] = [];
  for (const target of targets) {
    const refs = mapRefs(event, target, ctx, opts);
    if (refs.kind === 'hold') {
      holds.push({ target, objectKey, wait: refs.wait, reason: refs.reason, ...(refs.briefly && { briefly: true }) });
      if (created) created.planned.add(target);
      continue;
    }
    if (refs.kind === 'skip') {
      skips.push({ target, reason: refs.reason });
      continue;
    }
    const actors = mapActors(event, target, ctx, account);
    if (SUBJECT_TYPES.has(event.type) && event.subject && !actors[actorKey(event.subject)]) {
      skips.push({ target, reason: 'subject-not-bridged' });
      continue;
    }
    if (created) created.planned.add(target);
    commands.push({
      v: COMMAND_SCHEMA_VERSION,
      id: commandId(event.id, target),
      eventId: event.id,
      target,
      as: publishAs(account, target),
      event: refs.parentLink ? withParentLink(event, refs.parentLink) : event,
      objectKey,
      refs: refs.refs,
      actors,
    });
  }
  if (event.type === 'post.deleted' && event.target) {
    const info = ctx.objects.get(refKey(event.target));
    if (info && commands.length) info.deleted = true;
  }
  return {
    kind: 'translated',
    event,
    objectKey,
    accountId: account.id,
    ...(block && { block }),
    original,
    commands,
    holds,
    skips,
  };
}

type RefResult =
  /** parentLink: the reply goes as a post of its own linking this parent. */
  | { kind: 'ok'; refs: OutboundCommand['refs']; parentLink?: ObjectRef }
  | { kind: 'hold'; wait: ObjectRef; reason: string; briefly?: boolean }
  | { kind: 'skip'; reason: Skip['reason'] };

/**
 * Maps every object the event points at to `target`. What must exist first:
 * - a ref never seen at all may still arrive (events race across relays, firehoses, inboxes): hold;
 * - a ref known but on its way to `target` (queued or itself held): hold;
 * - a ref known but never headed to `target` will not get there: a like or undo cannot be
 *   expressed there (skip); a thread root is left to the adapter.
 * Parents of replies and quotes follow parent-rule.ts: a parent that can never have a copy there
 * makes the reply a post of its own linking it, and the quote the adapter's link.
 */
function mapRefs(event: BridgeEvent, target: Network, ctx: TranslationContext, opts: TranslateOptions): RefResult {
  let parentLink: ObjectRef | undefined;
  const refs: OutboundCommand['refs'] = {};
  const required: Array<[keyof OutboundCommand['refs'], ObjectRef | undefined]> = [
    ['target', event.target],
    ['replyTo', event.object?.replyTo],
  ];
  const optional: Array<[keyof OutboundCommand['refs'], ObjectRef | undefined]> = [
    ['quote', event.object?.quote],
    ['threadRoot', event.object?.threadRoot],
  ];
  for (const [field, ref] of required) {
    if (!ref) continue;
    // follow/block undo may name the follow; the adapter can find it by the actor pair too.
    const mustExist = !(SUBJECT_TYPES.has(event.type) && field === 'target');
    const info = ctx.objects.get(refKey(ref));
    if (field === 'replyTo') {
      const d = decideParent(target, { info, authorBridged: parentAuthorBridged(ref, target, ctx), givenUp: !!opts.parentsGivenUp });
      if (d.kind === 'copy') refs.replyTo = { network: target, ...d.copy } as MappedRef;
      else if (d.kind === 'link') parentLink = originalOf(info) ?? ref;
      else return { kind: 'hold', wait: ref, reason: `waiting for ${ref.network} object ${ref.id} to be ${d.seen ? `bridged to ${target}` : 'seen'}`, briefly: d.briefly };
      continue;
    }
    if (!info) {
      if (!mustExist) continue;
      return { kind: 'hold', wait: ref, reason: `waiting for ${ref.network} object ${ref.id} to be seen` };
    }
    const copy = info.copies[target];
    if (copy) {
      refs[field] = { network: target, ...copy } as MappedRef;
      continue;
    }
    if (info.planned.has(target)) return { kind: 'hold', wait: ref, reason: `waiting for ${ref.network} object ${ref.id} to be bridged to ${target}` };
    if (!mustExist) continue;
    return { kind: 'skip', reason: REMOVING_TYPES.has(event.type) || info.deleted ? 'deleted' : 'not-bridged-there' };
  }
  for (const [field, ref] of optional) {
    if (!ref) continue;
    const info = ctx.objects.get(refKey(ref));
    const copy = info?.copies[target];
    if (copy) refs[field] = { network: target, ...copy } as MappedRef;
    else if (field === 'quote') {
      // A quote whose post will never be there goes without it: the adapter links the quoted post.
      const d = decideParent(target, { info, authorBridged: parentAuthorBridged(ref, target, ctx), givenUp: !!opts.parentsGivenUp });
      if (d.kind === 'wait') return { kind: 'hold', wait: ref, reason: `waiting for quoted ${ref.network} object ${ref.id} to reach ${target}`, briefly: d.briefly };
    }
  }
  if (REMOVING_TYPES.has(event.type) && !SUBJECT_TYPES.has(event.type) && !refs.target) return { kind: 'skip', reason: 'deleted' };
  // A post of its own: no thread to place it in.
  if (parentLink) delete refs.threadRoot;
  return { kind: 'ok', refs, ...(parentLink && { parentLink }) };
}

/** The original of a known object (the link a reader follows), when the map has it. */
function originalOf(info: ObjectInfo | undefined): ObjectRef | undefined {
  const entry = Object.entries(info?.copies ?? {}).find(([, c]) => c?.original);
  return entry && { network: entry[0] as Network, id: entry[1]!.id, ...(entry[1]!.url && { url: entry[1]!.url }) };
}

/**
 * Whether the author a parent's id names could have a copy of it on `target`: a bridged identity
 * of ours (its copy's receipt is on its way), or a person whose consent and settings let their
 * posts go there. Undefined when the id names no author.
 */
function parentAuthorBridged(ref: ObjectRef, target: Network, ctx: TranslationContext): boolean | undefined {
  const author = authorNamedBy(ref);
  if (!author) return undefined;
  const identity = ctx.identities.get(actorKey(author));
  if (identity?.kind === 'bridged') return true;
  const account = identity && ctx.accounts.get(identity.accountId);
  // On the author's own network the parent is the original: it is known once it is seen, which
  // takes their consent only. Under opt-out, someone never seen would be bridged on first sight,
  // but nothing says their parent will ever be seen (it may predate the bridge): unknown, so the
  // brief wait, not the full one a bridged author's parent gets.
  const reaches = author.network === target || targetOpen(ctx.policy, account, author.network, target);
  if (!account) return ctx.policy.defaultConsent === 'opt-out' && reaches ? undefined : false;
  return !consentDenies(ctx.policy, account, 'post.created') && reaches;
}

/** Mentioned and followed actors, as identities on `target` (their own account there, else their proxy). */
function mapActors(event: BridgeEvent, target: Network, ctx: TranslationContext, author: AccountInfo): OutboundCommand['actors'] {
  const out: OutboundCommand['actors'] = {};
  const wanted: ActorRef[] = [];
  if (event.subject) wanted.push(event.subject);
  // A mention of someone who blocked the author stays plain text (block-policy.ts).
  for (const f of event.object?.facets ?? []) if (f.kind === 'mention' && f.actor && !blocksAuthor(ctx, author, actorKey(f.actor))) wanted.push(f.actor);
  for (const actor of wanted) {
    if (actor.network === target) {
      out[actorKey(actor)] = { id: actor.id, handle: actor.handle };
      continue;
    }
    const identity = ctx.identities.get(actorKey(actor));
    const account = identity && ctx.accounts.get(identity.accountId);
    if (!account) continue;
    const there = pickIdentity(account, target);
    if (there) out[actorKey(actor)] = { id: there.id, handle: there.handle };
  }
  return out;
}

/**
 * The person's own account on `target` when they mirror into it, else their bridged proxy. By
 * default their own account only where an adapter can publish as it (PUBLISHES_AS_NATIVE); their
 * own account still gets the mentions and follows everywhere.
 */
function publishAs(account: AccountInfo, target: Network): PublishAs {
  const native = account.identities.find((i) => i.network === target && i.kind === 'native');
  const mode = account.mirror[target] ?? (native && PUBLISHES_AS_NATIVE.has(target) ? 'native' : 'bridged');
  if (mode === 'native' && native) return { accountId: account.id, mode: 'native', id: native.id, handle: native.handle };
  const bridged = account.identities.find((i) => i.network === target && i.kind === 'bridged');
  return { accountId: account.id, mode: 'bridged', id: bridged?.id, handle: bridged?.handle };
}

function pickIdentity(account: AccountInfo, target: Network) {
  const mine = account.identities.filter((i) => i.network === target);
  const mode = account.mirror[target];
  return (mode === 'bridged' ? undefined : mine.find((i) => i.kind === 'native')) ?? mine.find((i) => i.kind === 'bridged');
}

/**
 * Edits, deletions and undos must come from whoever created the target, or from another of
 * their linked identities (a person deleting, on Bluesky, the mirror of their own Mastodon post).
 * Otherwise anyone could remove someone else's bridged copies by naming their ids.
 */
function ownsTarget(event: BridgeEvent, account: AccountInfo, ctx: TranslationContext): boolean {
  if (event.type !== 'post.updated' && !(REMOVING_TYPES.has(event.type) && !SUBJECT_TYPES.has(event.type))) return true;
  const owner = event.target && ctx.objects.get(refKey(event.target))?.owner;
  if (!owner) return true; // not seen yet (held until it is) or from before owners were recorded
  return owner === actorKey(event.actor) || account.identities.some((i) => actorKey(i) === owner);
}

function reportOutcome(event: BridgeEvent, ctx: TranslationContext): Outcome | undefined {
  const { record, commands } = routeReport(event, ctx);
  if (!record) return undefined;
  return { kind: 'translated', event, objectKey: objectKeyFor(event.source), accountId: '', report: record, commands, holds: [], skips: [] };
}

/** When a hold gives up: a parent never seen whose author is unknown is waited for briefly. */
export function holdDeadline(ctx: TranslationContext, hold?: Hold): Date {
  const wait = hold?.briefly ? Math.min(ctx.unseenParentWaitMs ?? ctx.pendingTimeoutMs, ctx.pendingTimeoutMs) : ctx.pendingTimeoutMs;
  return new Date(ctx.now.getTime() + wait);
}

export type { ObjectInfo };
