/**
 * A reply's thread root on the fediverse. Mastodon's Notes carry only `inReplyTo`; Bluesky needs
 * the root of every reply (`reply.root`), Nostr marks it (NIP-10), pods name it (`context`). The
 * copies we publish carry the root as AS2 `context`, so a fediverse reply to one of them can be
 * put in the right thread on the other networks (a three-hop thread: a fediverse reply to the copy
 * of a reply). Read from the stored parent: its `context`, or the parent itself when it replies
 * to nothing; unknown (undefined) when it is a reply that names no root.
 */
import { asArray, idOf, type AsObject } from './as2.js';

/** `parent` as stored (compact or apex form: every property an array). */
export function rootFromParent(parentId: string, parent: AsObject | null | undefined): string | undefined {
  if (!parent) return undefined;
  const context = idOf(asArray(parent.context)[0]);
  if (context) return context;
  return asArray(parent.inReplyTo).length ? undefined : parentId;
}
