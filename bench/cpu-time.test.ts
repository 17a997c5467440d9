import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuOver, parseProcStatCpuMs, readCpuMs } from './cpu-time.js';

describe('CPU time of a process from /proc', () => {
  it('reads utime + stime after the command name, also a name with spaces and parentheses', () => {
    const fields = (name: string) => `4242 (${name}) S 1 4242 4242 0 -1 4194304 1000 0 0 0 250 75 0 0 20 0 11 0 1234 1000000 5000 18446744073709551615`;
    assert.equal(parseProcStatCpuMs(fields('node')), 3250);
    assert.equal(parseProcStatCpuMs(fields('my (odd) proc')), 3250);
    assert.equal(parseProcStatCpuMs('garbage'), null);
  });

  it('this process: its CPU time grows by what it burns', async () => {
    const before = readCpuMs(process.pid)!;
    const until = Date.now() + 200;
    while (Date.now() < until);
    assert.ok(readCpuMs(process.pid)! - before >= 100, 'a 200 ms busy loop shows as CPU time');
    assert.equal(readCpuMs(2 ** 22 + 7), null, 'no such process');
  });

  it('percent of a core over a window: this process while it waits near 0, an unknown pid null', async () => {
    const r = await cpuOver({ self: process.pid, gone: 2 ** 22 + 7 }, 300);
    assert.ok(r.self !== null && r.self < 50, `idle while waiting: ${r.self}%`);
    assert.equal(r.gone, null);
  });
});
