/** The dashboard's routes live in the URL fragment: `#/lookup?q=alice@example.com`. Pure. */
export const VIEWS = ['lookup', 'status', 'admin'] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  params: Record<string, string>;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const view = (VIEWS as readonly string[]).includes(path) ? (path as View) : 'lookup';
  return { view, params: Object.fromEntries(new URLSearchParams(query)) };
}

export function routeHash(view: View, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params).toString();
  return `#/${view}${q ? `?${q}` : ''}`;
}
