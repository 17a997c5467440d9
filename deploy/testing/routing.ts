/** How each router picks a backend for a request path, so the tests can hold nginx and the Ingress to deploy/topology.ts. */
import type { Route } from '../topology.js';

/** Kubernetes Ingress rules: an Exact match wins, else the longest Prefix matched segment by segment. */
export function routeByIngressRules<T>(rules: ReadonlyArray<{ path: string; pathType: 'Exact' | 'Prefix'; backend: T }>, path: string): T | undefined {
  const exact = rules.find((r) => r.pathType === 'Exact' && r.path === path);
  if (exact) return exact.backend;
  const segs = (p: string) => p.split('/').filter(Boolean);
  const want = segs(path);
  let best: { len: number; backend: T } | undefined;
  for (const r of rules) {
    if (r.pathType !== 'Prefix') continue;
    const prefix = segs(r.path);
    if (prefix.length > want.length || !prefix.every((s, i) => s === want[i])) continue;
    if (!best || prefix.length > best.len) best = { len: prefix.length, backend: r.backend };
  }
  return best?.backend;
}

/** The topology's table read with the Ingress rules' meaning. */
export function routeByTable(routes: readonly Route[], path: string): Route['backend'] | undefined {
  return routeByIngressRules(routes.map((r) => ({ path: r.path, pathType: r.match === 'exact' ? ('Exact' as const) : ('Prefix' as const), backend: r.backend })), path);
}

export interface NginxLocation {
  modifier: '=' | '^~' | '';
  path: string;
  /** The upstream host:port proxied to, or null for a location that answers itself. */
  upstream: string | null;
}

/** Reads `set $name http://host:port;` and the `location` blocks of a flat server config. */
export function readNginxLocations(conf: string): NginxLocation[] {
  const vars = new Map<string, string>();
  for (const m of conf.matchAll(/^\s*set \$(\w+) https?:\/\/([^;\s]+);/gm)) vars.set(m[1]!, m[2]!);
  const out: NginxLocation[] = [];
  for (const m of conf.matchAll(/^\s*location\s+(?:(=|\^~|~\*?)\s+)?(\S+)\s*\{([^}]*)\}/gm)) {
    const modifier = m[1] ?? '';
    if (modifier.startsWith('~')) throw new Error(`regex location ${m[2]}: the routing check does not model it`);
    const pass = /proxy_pass\s+\$(\w+)\s*;/.exec(m[3]!);
    const upstream = pass ? vars.get(pass[1]!) : null;
    if (upstream === undefined) throw new Error(`location ${m[2]} proxies to an undefined variable`);
    out.push({ modifier: modifier as NginxLocation['modifier'], path: m[2]!, upstream });
  }
  return out;
}

/** nginx without regex locations: an exact `=` match, else the longest prefix. */
export function routeByNginx(locations: readonly NginxLocation[], path: string): NginxLocation | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.path === path);
  if (exact) return exact;
  let best: NginxLocation | undefined;
  for (const l of locations) {
    if (l.modifier === '=' || !path.startsWith(l.path)) continue;
    if (!best || l.path.length > best.path.length) best = l;
  }
  return best;
}
