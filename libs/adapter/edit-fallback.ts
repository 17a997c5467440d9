/**
 * Where a network's posts cannot change visibly (`capabilities.edits` false: Nostr kind-1 notes
 * are immutable; the Bluesky app shows only a post's first version, bridgy-fed#947), an edit
 * becomes a correction post replying to the copy, led by this line. One wording on every network.
 */
export const CORRECTION_PREFIX = '✏️ Edited:';
