/**
 * The public entrance of a Pontis split into one process per service, for the latency bench: the
 * same path table as the nginx config and the Ingress (deploy/topology.ts ROUTES), as a plain
 * HTTP proxy. Every service gets this router's URL as PONTIS_PUBLIC_URL, so actor ids, NIP-98
 * URLs and Solid webhook targets all resolve the way they do behind nginx.
 *
 * Runs as its own child process (forked; reports its port over IPC), so the bench process's own
 * posting and watching never delay a request between a peer and Pontis.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROUTES, type Backend } from '../deploy/topology.js';
import { routeByTable } from '../deploy/testing/routing.js';

export interface RouterStarted {
  port: number;
}

/** Backend name → `http://host:port` of the process serving it (env PONTIS_BENCH_ROUTES, JSON). */
function serve(targets: Partial<Record<Backend, string>>): Promise<number> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const backend = routeByTable(ROUTES, path);
    const target = backend ? targets[backend] : undefined;
    if (!target) {
      res.writeHead(502).end(`no process serves ${backend ?? path}`);
      return;
    }
    const url = new URL(target);
    const upstream = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`upstream ${backend}: ${err.message}`);
    });
    req.pipe(upstream);
  });
  // Keep-alive connections from the peers stay open; never let a slow upstream close them early.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

if (process.send) {
  const targets = JSON.parse(process.env.PONTIS_BENCH_ROUTES ?? '{}') as Partial<Record<Backend, string>>;
  const port = await serve(targets);
  process.send({ port } satisfies RouterStarted);
  // Stop with the bench: the IPC channel closes when the parent exits, however it exits.
  process.on('disconnect', () => process.exit(0));
}
