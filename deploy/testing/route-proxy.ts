/**
 * The public entrance of a Pontis split into one process per service (bench, fault runner): the
 * path table nginx and the Ingress follow (deploy/topology.ts ROUTES, read with the Ingress'
 * meaning by deploy/testing/routing.ts) as a plain HTTP proxy. Every service gets this proxy's URL
 * as PONTIS_PUBLIC_URL, so actor ids, NIP-98 URLs and Solid webhook targets resolve as they do
 * behind nginx. A backend with no live process answers 502, as nginx would.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROUTES, type Backend } from '../topology.js';
import { routeByTable } from './routing.js';

/** The backend a request goes to; paths no route names go to the gateway (nginx's `location /`). */
export function backendFor(url: string): Backend {
  return routeByTable(ROUTES, url.split('?')[0] || '/') ?? 'gateway';
}

/** `targetOf(backend)`: the `http://host:port` (or the loopback port) serving it now, or undefined. */
export async function startRouteProxy(o: { port?: number; targetOf: (backend: Backend) => string | number | undefined }): Promise<Server> {
  const server = createServer((req, res) => {
    const backend = backendFor(req.url ?? '/');
    const target = o.targetOf(backend);
    if (target === undefined) {
      res.writeHead(502).end(`no process serves ${backend}`);
      return;
    }
    const url = typeof target === 'number' ? { hostname: '127.0.0.1', port: String(target) } : new URL(target);
    const upstream = request({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502).end(`upstream ${backend}: ${err.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
  // Keep-alive connections from the peers stay open; never let a slow upstream close them early.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  return server;
}

export const portOfServer = (s: Server) => (s.address() as AddressInfo).port;
