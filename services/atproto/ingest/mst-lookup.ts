import { decode } from '@atproto/lex-cbor';
import { ifCid, type Cid } from '@atproto/lex-data';
import { cidKey, type BlockMap } from './car-blocks.js';

/** One MST node as @atproto/repo reads it: its keys spelled out, its subtrees by CID. */
interface MstNode {
  left: Cid | null;
  entries: { key: string; value: Cid; right: Cid | null }[];
}

const MST_KEY_CHARS = /^[a-zA-Z0-9_~\-:.]*$/;

/** @atproto/repo's isValidMstKey: `collection/rkey`, at most 1024 characters, a restricted set. */
function isValidMstKey(key: string): boolean {
  const parts = key.split('/');
  return key.length <= 1024 && parts.length === 2 && parts[0]!.length > 0 && parts[1]!.length > 0 && MST_KEY_CHARS.test(parts[0]!) && MST_KEY_CHARS.test(parts[1]!);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !ifCid(v);

/**
 * Decodes and checks a node the way @atproto/repo's MST does on load (its nodeData schema, then
 * every key rebuilt from its shared prefix and checked), so a node it would refuse is refused.
 */
function parseNode(bytes: Uint8Array): MstNode {
  const data = decode(bytes) as unknown;
  if (!isObject(data) || !('l' in data) || (data.l !== null && !ifCid(data.l)) || !Array.isArray(data.e)) throw new Error('unexpected object: mst node');
  const entries: MstNode['entries'] = [];
  let lastKey = '';
  for (const e of data.e as unknown[]) {
    if (!isObject(e) || typeof e.p !== 'number' || Number.isNaN(e.p) || !(e.k instanceof Uint8Array) || !ifCid(e.v) || !('t' in e) || (e.t !== null && !ifCid(e.t))) throw new Error('unexpected object: mst node');
    entries.push({ key: '', value: e.v as Cid, right: e.t as Cid | null });
  }
  // Keys only once the whole node has its shape: the schema is checked before any key (as upstream).
  for (let i = 0; i < entries.length; i++) {
    const e = (data.e as { p: number; k: Uint8Array }[])[i]!;
    const key = `${lastKey.slice(0, e.p)}${Buffer.from(e.k.buffer, e.k.byteOffset, e.k.byteLength).toString('latin1')}`;
    if (!isValidMstKey(key)) throw new Error(`Not a valid MST key: ${key}`);
    entries[i]!.key = key;
    lastKey = key;
  }
  return { left: data.l as Cid | null, entries };
}

/**
 * MST lookups over one commit's blocks, each node decoded once however many ops pass through it.
 * `get` answers what @atproto/repo's `MST.get` answers: the CID under `key`, or null when the
 * tree proves it absent; a node the path needs that is missing or malformed throws (the proof is
 * incomplete: neither present nor absent is proven).
 */
export class MstLookup {
  private readonly nodes = new Map<string, MstNode>();

  constructor(private readonly blocks: BlockMap) {}

  get(root: Cid, key: string): Cid | null {
    let at: Cid | null = root;
    while (at) {
      const node = this.node(at);
      // The first leaf whose key is ≥ the one sought; the subtree before it holds the keys between.
      let i = 0;
      while (i < node.entries.length && node.entries[i]!.key < key) i++;
      const found = node.entries[i];
      if (found && found.key === key) return found.value;
      at = i === 0 ? node.left : node.entries[i - 1]!.right;
    }
    return null;
  }

  private node(cid: Cid): MstNode {
    const k = cidKey(cid);
    let node = this.nodes.get(k);
    if (!node) {
      const bytes = this.blocks.get(k);
      if (!bytes) throw new Error(`missing mst node block: ${cid.toString()}`);
      this.nodes.set(k, (node = parseNode(bytes)));
    }
    return node;
  }
}
