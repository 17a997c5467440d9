import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { pngStats } from './png-stats.js';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGB PNG of `pixel(x, y)`, each row written with the filter `filterOf(y)` (so every filter's undoing is exercised). */
function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number], filterOf: (y: number) => number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(width * 3);
  for (let y = 0; y < height; y++) {
    const cur = Buffer.from(Array.from({ length: width }, (_, x) => pixel(x, y)).flat());
    const f = filterOf(y);
    const out = Buffer.alloc(cur.length);
    for (let i = 0; i < cur.length; i++) {
      const a = i >= 3 ? cur[i - 3]! : 0;
      const b = prev[i]!;
      const c = i >= 3 ? prev[i - 3]! : 0;
      const p = a + b - c;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[i] = (cur[i]! - pred) & 0xff;
    }
    rows.push(Buffer.concat([Buffer.from([f]), out]));
    prev = cur;
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('pngStats', () => {
  it('reads the size and finds a single-colour image blank', () => {
    const s = pngStats(png(30, 20, () => [255, 255, 255], () => 0));
    assert.deepEqual(s, { width: 30, height: 20, distinctColours: 1, dominantShare: 1 });
  });

  it('undoes every scanline filter and counts the colours', () => {
    // A gradient: each filter type on some rows; a wrong unfilter would scramble the colour count.
    const s = pngStats(png(16, 10, (x, y) => [x * 16, y * 25, (x + y) % 2 ? 200 : 10], (y) => y % 5));
    assert.equal(s.width, 16);
    assert.equal(s.height, 10);
    assert.equal(s.distinctColours, 160);
    assert.equal(s.dominantShare, 1 / 160);
  });

  it('refuses what is not a PNG it can read', () => {
    assert.throws(() => pngStats(Buffer.from('GIF89a-and-more-bytes-to-be-long-enough')), /not a PNG/);
  });
});
