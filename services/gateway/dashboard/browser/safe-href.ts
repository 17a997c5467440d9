/** An http(s) URL as a string, or null: ids from other servers must never become `javascript:` or `data:` links. Pure. */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}
