import { SUBJECT_TYPES, type OutboundCommand } from '../events/index.js';

/** The lane of a command that waits for every earlier command of its account, and that every later one waits for. */
export const ACCOUNT_LANE = '*';

/**
 * The lane a command is delivered in: commands of one account and lane keep their order, lanes
 * of one account run side by side. Why these keys (README "Lanes"): the translator holds an
 * event whose target or parent has no copy yet until its receipt, so edits, deletes, undos,
 * replies and likes of a just-made object never meet their creator in the outbound stream, and
 * those that do meet an earlier command on the same object share its object key. What is left
 * shares something other than the object:
 * - follows and blocks are one replaceable list per account on Nostr (kind 3 / 10000, read,
 *   changed, written back): two at once would lose one, and an unfollow may name no follow;
 * - profile updates each have their own key and the last one must win;
 * - account deletion, and a command with no identity yet (the deliverer provisions it), touch
 *   everything of the account.
 */
export function laneOf(cmd: Pick<OutboundCommand, 'event' | 'as' | 'objectKey'>): string {
  const type = cmd.event.type;
  if (type === 'account.deleted' || !cmd.as.id) return ACCOUNT_LANE;
  if (type === 'profile.updated') return 'profile';
  if (SUBJECT_TYPES.has(type)) return 'relations';
  return `object:${cmd.objectKey}`;
}

/** Whether a command in lane `a` must wait for an earlier one of the same account in lane `b`. */
export function lanesConflict(a: string, b: string): boolean {
  return a === b || a === ACCOUNT_LANE || b === ACCOUNT_LANE;
}
