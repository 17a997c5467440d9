/**
 * A decoded firehose record holds CID objects and byte arrays; the mapper and the validator work on
 * the JSON form (`{ $link }`, `{ $bytes }`), the same as com.atproto.repo.getRecord returns.
 */
export function toLexJson(value: unknown, depth = 0): unknown {
  if (depth > 32) throw new Error('record nested too deeply');
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64').replace(/=+$/, '') };
  if (Array.isArray(value)) return value.map((v) => toLexJson(v, depth + 1));
  if (isCid(value)) return { $link: String(value) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toLexJson(v, depth + 1);
  // A BlobRef instance: its JSON form is the `ref`/`mimeType`/`size` triple.
  if ((value as { constructor?: { name?: string } }).constructor?.name === 'BlobRef') {
    const b = value as { ref: unknown; mimeType: string; size: number };
    return { $type: 'blob', ref: { $link: String(b.ref) }, mimeType: b.mimeType, size: b.size };
  }
  return out;
}

/** multiformats CID (and @atproto/lex-data's): has `/` (itself) or `asCID`, a version, a codec and a multihash. */
function isCid(v: object): boolean {
  const c = v as { asCID?: unknown; version?: unknown; code?: unknown; multihash?: unknown; bytes?: unknown };
  return (c.asCID === v || (typeof c.version === 'number' && typeof c.code === 'number' && c.multihash !== undefined)) && c.bytes instanceof Uint8Array;
}
