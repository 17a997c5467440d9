import { createHash } from 'node:crypto';

/**
 * The pod name of a bridged identity: readable (from the source handle or id) and unique (a short
 * hash of the source's native id), within CSS's limits (lowercase letters, digits, dashes).
 * `alice@mastodon.example` on activitypub → `mastodon-example-alice-3f9a1c`.
 */
export function bridgedPodName(source: { network: string; nativeId: string; handle: string | null }): string {
  const raw = source.handle ?? source.nativeId;
  const at = raw.replace(/^@/, '').split('@');
  const readable = (at.length === 2 ? `${at[1]}-${at[0]}` : raw.replace(/^[a-z]+:\/\//i, '').replace(/^did:[a-z]+:/, ''))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(`${source.network}\0${source.nativeId}`).digest('hex').slice(0, 6);
  return `${readable || source.network}-${hash}`;
}
