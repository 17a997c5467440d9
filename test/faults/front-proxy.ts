/**
 * The public entry of a Pontis whose services run as separate processes: routes each request to
 * the service that owns its path, by the deployment's own table (deploy/topology.ts ROUTES, which
 * nginx and the Ingress follow too). A service that is down (killed by the fault runner) answers
 * 502, as nginx would.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROUTES, type Backend } from '../../deploy/topology.js';

/** The backend of a request path: the first route that matches, exact or by whole path segments. */
export function backendFor(path: string): Backend {
  const p = path.split('?')[0] ?? '/';
  for (const r of ROUTES) {
    if (r.match === 'exact' ? p === r.path : r.path === '/' || p === r.path || p.startsWith(`${r.path}/`)) return r.backend;
  }
  return 'gateway';
}

export async function startFrontProxy(port: number, portOf: (backend: Backend) => number | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const backend = backendFor(req.url ?? '/');
    const target = portOf(backend);
    if (!target) {
      res.writeHead(502).end(`no ${backend} service`);
      return;
    }
    const up = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502).end(`${backend}: ${err.message}`);
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

export const portOfServer = (s: Server) => (s.address() as AddressInfo).port;
