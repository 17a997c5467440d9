/** The four networks Pontis bridges. One definition, imported everywhere. */
export const NETWORKS = ['activitypub', 'atproto', 'nostr', 'solid'] as const;
export type Network = (typeof NETWORKS)[number];

export function isNetwork(value: unknown): value is Network {
  return typeof value === 'string' && (NETWORKS as readonly string[]).includes(value);
}
