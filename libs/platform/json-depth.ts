/** ActivityStreams and JSON-LD documents in the wild nest about ten deep; 64 leaves room and stops stack bombs. */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest nesting of arrays/objects in a JSON text, counted on bytes outside strings; stops counting
 * past `limit`. Pure and linear: run it before JSON.parse hands a document to recursive code.
 */
export function jsonDepth(buf: Uint8Array, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

