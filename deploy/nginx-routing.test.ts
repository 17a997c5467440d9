import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../libs/harness/util.js';
import { waitFor } from '../libs/testing/index.js';
import { ROUTES, ROUTING_CASES } from './topology.js';

const confPath = fileURLToPath(new URL('../../deploy/nginx/pontis.conf', import.meta.url));
const nginxAvailable = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).status === 0;

/**
 * The compose proxy's config run by a real nginx (when this machine has one: Debian's nginx-light),
 * each upstream replaced by a small server that says who it is, so the routing is nginx's own and
 * not the test's model of it.
 */
describe('compose proxy: deploy/nginx/pontis.conf in a real nginx', { skip: nginxAvailable ? false : 'nginx is not installed on this machine', timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pontis-nginx-'));
  const servers: Server[] = [];
  let nginx: ChildProcess | undefined;
  let base = '';
  let stderr = '';

  before(async () => {
    let conf = readFileSync(confPath, 'utf8');
    const hosts = [...conf.matchAll(/set \$\w+ http:\/\/([\w-]+):\d+;/g)].map((m) => m[1]!);
    assert.ok(hosts.length >= 5);
    for (const host of new Set(hosts)) {
      const srv = createServer((req, res) => {
        // Read the whole body first: answering early would cut nginx off mid-upload (a 502).
        req.resume();
        req.on('end', () => {
          res.setHeader('x-backend', host);
          res.end(req.url);
        });
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      servers.push(srv);
      const { port } = srv.address() as { port: number };
      conf = conf.replace(new RegExp(`http://${host}:\\d+;`, 'g'), `http://127.0.0.1:${port};`);
    }
    const port = await freePort();
    // Docker's DNS is not here; the upstreams are now addresses, which need no resolver.
    conf = conf.replace(/^resolver .*$/m, '').replace(/listen 80;/, `listen 127.0.0.1:${port};`);
    writeFileSync(join(dir, 'pontis.conf'), conf);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir};`).join(' ');
    writeFileSync(join(dir, 'nginx.conf'), `daemon off; pid ${dir}/nginx.pid; error_log stderr warn; events {} http { access_log off; ${temp} include ${dir}/pontis.conf; }`);
    nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/nginx-health`)).ok, { what: `nginx to answer (stderr: ${stderr})`, timeoutMs: 10_000, intervalMs: 100 });
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await new Promise((r) => nginx!.once('exit', r));
    }
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every public path to the service the topology table names, path and query untouched', async () => {
    const cases = [...ROUTING_CASES, ...ROUTES.filter((r) => r.match === 'prefix').map((r) => [`${r.path.replace(/\/$/, '')}/x`, r.backend] as const)];
    for (const [path, backend] of cases) {
      const res = await fetch(`${base}${path}?q=1`);
      assert.equal(res.headers.get('x-backend'), backend, `${path} (nginx stderr: ${stderr})`);
      assert.equal(await res.text(), `${path}?q=1`);
    }
  });

  it('refuses bodies over 1 MB for Pontis, and lets the PDS take blobs', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    assert.equal((await fetch(`${base}/ap/inbox`, { method: 'POST', body: big })).status, 413);
    const blob = await fetch(`${base}/xrpc/com.atproto.repo.uploadBlob`, { method: 'POST', body: big });
    assert.equal(blob.status, 200);
    assert.equal(blob.headers.get('x-backend'), 'pds');
  });
});
