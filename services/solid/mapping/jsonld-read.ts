import { jsonDepth, MAX_JSON_DEPTH } from '../../../libs/platform/json-depth.js';
import { AS2_CONTEXT, AS2_NS, type As2Object } from './as2.js';

const MAX_DEPTH = 4;

/**
 * A pod resource's JSON-LD as a compact AS2 object, or the reason it cannot be read. Accepts the
 * two shapes pods give: compact JSON-LD with only the AS2 context (what we and AS2 apps write),
 * and expanded JSON-LD (what a server sends when it converts Turtle on content negotiation).
 * Anything with another context is refused: resolving it would mean fetching it from the web.
 */
export function readAs2(body: string, url: string): { ok: true; object: As2Object } | { ok: false; reason: string } {
  // Refused before parsing: a stack bomb would otherwise reach the recursive readers below.
  if (jsonDepth(Buffer.from(body), MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { ok: false, reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `malformed JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  if (Array.isArray(doc)) return fromExpanded(doc, url);
  if (doc && typeof doc === 'object' && (doc as Record<string, unknown>)['@graph'] === undefined) {
    const o = doc as As2Object;
    const ctx = o['@context'];
    if (!isAs2Context(ctx)) return { ok: false, reason: `unsupported @context ${JSON.stringify(ctx)?.slice(0, 100)} (only the ActivityStreams context is read)` };
    if (typeof o.type !== 'string' && !Array.isArray(o.type)) return { ok: false, reason: 'no type' };
    return { ok: true, object: o };
  }
  return { ok: false, reason: 'not a JSON-LD object' };
}

function isAs2Context(ctx: unknown): boolean {
  if (ctx === AS2_CONTEXT || ctx === `${AS2_CONTEXT}/`) return true;
  return Array.isArray(ctx) && ctx.length > 0 && ctx.every((c) => c === AS2_CONTEXT || (c && typeof c === 'object' && Object.keys(c as object).length === 0));
}

type Node = Record<string, unknown>;

function fromExpanded(nodes: unknown[], url: string): { ok: true; object: As2Object } | { ok: false; reason: string } {
  const byId = new Map<string, Node>();
  for (const n of nodes) if (n && typeof n === 'object' && typeof (n as Node)['@id'] === 'string') byId.set((n as Node)['@id'] as string, n as Node);
  const main = byId.get(url) ?? [...byId.values()].find((n) => asTypes(n).length && !String(n['@id']).startsWith('_:'));
  if (!main) return { ok: false, reason: 'no ActivityStreams object in the document' };
  const object = compactNode(main, byId, 0);
  if (!object.type) return { ok: false, reason: 'no ActivityStreams type' };
  return { ok: true, object };
}

function asTypes(n: Node): string[] {
  const t = n['@type'];
  return (Array.isArray(t) ? t : t === undefined ? [] : [t]).filter((x): x is string => typeof x === 'string' && x.startsWith(AS2_NS)).map((x) => x.slice(AS2_NS.length));
}

function compactNode(n: Node, byId: Map<string, Node>, depth: number): As2Object {
  const out: As2Object = {};
  if (typeof n['@id'] === 'string' && !n['@id'].startsWith('_:')) out.id = n['@id'];
  const types = asTypes(n);
  if (types.length) out.type = types.length === 1 ? types[0] : types;
  for (const [k, v] of Object.entries(n)) {
    if (!k.startsWith(AS2_NS) || !Array.isArray(v)) continue;
    const values = v.map((x) => compactValue(x, byId, depth)).filter((x) => x !== undefined);
    if (!values.length) continue;
    out[k.slice(AS2_NS.length)] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function compactValue(x: unknown, byId: Map<string, Node>, depth: number): unknown {
  if (!x || typeof x !== 'object') return undefined;
  const v = x as Node;
  if ('@value' in v) return v['@value'];
  if (typeof v['@id'] === 'string') {
    const inner = byId.get(v['@id']);
    if (inner && depth < MAX_DEPTH && (String(v['@id']).startsWith('_:') || asTypes(inner).length)) return compactNode(inner, byId, depth + 1);
    return v['@id'];
  }
  if (depth < MAX_DEPTH) return compactNode(v, byId, depth + 1);
  return undefined;
}
