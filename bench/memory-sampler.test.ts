import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySampler, parseProcStatus } from './memory-sampler.js';

describe('memory sampler', () => {
  it('reads VmRSS and VmHWM out of /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  262144 kB\nVmRSS:\t  131072 kB\n';
    assert.deepEqual(parseProcStatus(status), { rssKb: 131072, hwmKb: 262144 });
    assert.equal(parseProcStatus('Name:\tkthreadd\n'), null);
  });

  it('reports this process’s own peak, never below what it holds now', () => {
    const sampler = new MemorySampler(() => ({ self: process.pid, gone: 999_999_999 }));
    sampler.sample();
    const r = sampler.stop();
    assert.ok(r.self!.peakMb >= r.self!.lastRssMb && r.self!.lastRssMb > 10);
    assert.equal(r.gone, undefined);
  });
});
