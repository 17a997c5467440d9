/**
 * Per-post control: a post carrying one of the deployment's opt-out tags (PONTIS_OPT_OUT_TAGS,
 * default `nobridge`) stays on its own network. Checked on the tag facets the adapters extract
 * and, because some networks send tags only as text, on the text itself. Pure.
 */
/** The tag a person's bot replies and profile texts name when several are configured: the first. */
export const DEFAULT_OPT_OUT_TAG = 'nobridge';
export const DEFAULT_OPT_OUT_TAGS: readonly string[] = [DEFAULT_OPT_OUT_TAG];

export function hasOptOutTag(post: { text: string; facets: readonly { kind: string; tag?: string }[] }, tags: readonly string[] = DEFAULT_OPT_OUT_TAGS): boolean {
  if (!tags.length) return false;
  const wanted = new Set(tags.map((t) => t.toLowerCase()));
  if (post.facets.some((f) => f.kind === 'tag' && typeof f.tag === 'string' && wanted.has(f.tag.replace(/^#/, '').toLowerCase()))) return true;
  // A tag ends where a word character would not continue it (#nobridge, but not #nobridges).
  for (const m of post.text.matchAll(/(?:^|\s)#([\p{L}\p{N}_-]+)/gu)) if (wanted.has(m[1]!.toLowerCase())) return true;
  return false;
}
