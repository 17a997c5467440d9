/** The four networks Pontis bridges. One definition, imported everywhere. */
export const NETWORKS = ['activitypub', 'atproto', 'nostr', 'solid'] as const;
export type Network = (typeof NETWORKS)[number];

export function isNetwork(value: unknown): value is Network {
  return typeof value === 'string' && (NETWORKS as readonly string[]).includes(value);
}

/**
 * Where an adapter can publish as a person's own account (account mirroring): with their
 * credentials (a Bluesky app password or OAuth session) or into their own pod. A Nostr key of
 * theirs needs a remote signer (NIP-46, not built) and a fediverse server gives no one its key:
 * there their bridged identity speaks.
 */
export const PUBLISHES_AS_NATIVE: ReadonlySet<Network> = new Set<Network>(['atproto', 'solid']);

/** What a person chooses per network for their account: their own account there, their bridged identity, or nothing. */
export const MIRROR_MODES = ['native', 'bridged', 'off'] as const;
export type MirrorMode = (typeof MIRROR_MODES)[number];
