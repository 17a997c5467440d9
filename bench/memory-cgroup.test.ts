import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inCgroup, memoryCgroupHost } from './memory-cgroup.js';

describe('memory cgroup', () => {
  it('writes the limit where cgroup v1 reads it, and says why when there is no controller', () => {
    const root = mkdtempSync(join(tmpdir(), 'cg-'));
    assert.match((memoryCgroupHost(root) as { reason: string }).reason, /no memory cgroup controller/);
    mkdirSync(join(root, 'memory'));
    writeFileSync(join(root, 'memory', 'memory.limit_in_bytes'), '9223372036854771712');
    const host = memoryCgroupHost(root);
    assert.ok(host.ok);
    const g = host.create('svc', 768 * 1024 ** 2);
    assert.equal(readFileSync(join(root, 'memory', 'svc', 'memory.limit_in_bytes'), 'utf8'), String(768 * 1024 ** 2));
    assert.equal(g.procsFile, join(root, 'memory', 'svc', 'cgroup.procs'));
  });

  it('has the process write its own pid, then exec the command in place', () => {
    const procs = join(mkdtempSync(join(tmpdir(), 'cg-')), 'cgroup.procs');
    const [cmd, args] = inCgroup(procs, process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = execFileSync(cmd, args, { encoding: 'utf8' });
    assert.equal(readFileSync(procs, 'utf8').trim(), pid, 'same pid: the pid written is the node process the sampler reads');
  });

  it('on this machine (root, cgroups writable): Node in a 1 GiB group sizes its heap from it', { skip: process.getuid?.() !== 0 || !memoryCgroupHost().ok }, () => {
    const host = memoryCgroupHost();
    if (!host.ok) return;
    const g = host.create(`pontis-test-${process.pid}`, 1024 ** 3);
    try {
      const [cmd, args] = inCgroup(g.procsFile, process.execPath, ['-e', 'process.stdout.write(JSON.stringify([process.constrainedMemory(), require("v8").getHeapStatistics().heap_size_limit]))']);
      const [constrained, heapLimit] = JSON.parse(execFileSync(cmd, args, { encoding: 'utf8' })) as [number, number];
      assert.equal(constrained, 1024 ** 3);
      assert.ok(heapLimit < 1024 ** 3, `heap limit ${heapLimit} follows the group, not the machine's memory`);
    } finally {
      g.remove();
    }
  });
});
