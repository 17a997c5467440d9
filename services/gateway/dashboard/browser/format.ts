/** Small display helpers. Pure. */

/** "12 s ago", "in 3 min", "2 h ago"; the ISO time itself when it cannot be read. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return s > 0 ? `in ${text}` : `${text} ago`;
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10} %`;
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 19);
}

/** The message of an API error body ({message: string | string[]}) or a fallback. */
export function errorMessage(body: unknown, status: number): string {
  const m = (body as { message?: unknown } | null)?.message;
  if (typeof m === 'string' && m) return m;
  if (Array.isArray(m) && m.length) return m.map(String).join('; ');
  return `the server answered ${status}`;
}

export const NETWORK_NAMES: Record<string, string> = { activitypub: 'Fediverse (ActivityPub)', atproto: 'Bluesky (AT Protocol)', nostr: 'Nostr', solid: 'Solid' };
