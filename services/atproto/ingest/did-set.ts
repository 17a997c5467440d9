/**
 * The DIDs we watch, sized for millions: a 64-bit fingerprint per DID (two 32-bit hashes) in an
 * open-addressing table of two Uint32Arrays, ~16 bytes a DID at the 0.5 load factor, against
 * ~100 bytes for a Set of strings. A false positive needs a 64-bit collision (≈ n/2^64): it would
 * only cost a signature check and a mapping; the translator drops accounts that are not opted in.
 * Rebuilt whole on refresh (the swap is atomic for readers).
 */
export class DidSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(dids: Iterable<string> = [], expected = 1024) {
    const size = nextPow2(Math.max(16, expected * 2));
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.mask = size - 1;
    for (const d of dids) this.add(d);
  }

  get size(): number {
    return this.count;
  }

  add(did: string): void {
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    const [h, l] = fingerprint(did);
    if (this.insert(h, l)) this.count++;
  }

  has(did: string): boolean {
    const [h, l] = fingerprint(did);
    for (let i = l & this.mask; ; i = (i + 1) & this.mask) {
      const vh = this.hi[i]!;
      const vl = this.lo[i]!;
      if (vh === h && vl === l) return true;
      if (vh === 0 && vl === 0) return false;
    }
  }

  /** True when it was new. */
  private insert(h: number, l: number): boolean {
    for (let i = l & this.mask; ; i = (i + 1) & this.mask) {
      const vh = this.hi[i]!;
      const vl = this.lo[i]!;
      if (vh === h && vl === l) return false;
      if (vh === 0 && vl === 0) {
        this.hi[i] = h;
        this.lo[i] = l;
        return true;
      }
    }
  }

  private grow(): void {
    const [hi, lo] = [this.hi, this.lo];
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.mask = this.hi.length - 1;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

/** Two 32-bit FNV-1a style hashes with murmur3 finalizers (different seeds); never (0, 0), the empty slot. */
function fingerprint(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a = fmix(a);
  b = fmix(b ^ a);
  return a === 0 && b === 0 ? [0, 1] : [a >>> 0, b >>> 0];
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
