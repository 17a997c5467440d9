import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPrivateAddress } from '../net/address-guard.js';
import { startTinyDnsServer } from './tiny-dns-server.js';

/**
 * A DNS rebinding set-up: `rebind.test` answers a public address to the first lookup (the
 * guard's check) and 127.0.0.1 to every later one (the connection), where a server counts what
 * reaches it. A client that connects to what it checked never reaches the server.
 *
 * `hop.test` plays an honest public host (127.0.0.2, public only for a guard built with
 * `isPrivate`): `/hop…` redirects to the 127.0.0.1 server; other paths are answered by `publicAnswer`.
 */
export async function startRebindingTarget(o: { publicAnswer?: (req: IncomingMessage, res: ServerResponse, at: { port: number; publicPort: number }) => void } = {}): Promise<{
  host: string;
  port: number;
  /** The honest host and its port. */
  publicHost: string;
  publicPort: number;
  /** For AddressGuard's `isPrivate`: 127.0.0.2 counts as public, everything else as usual. */
  isPrivate: (address: string) => boolean;
  /** Requests that reached the loopback server (0 when the rebinding was refused). */
  served(): number;
  dns: Awaited<ReturnType<typeof startTinyDnsServer>>;
  close(): Promise<void>;
}> {
  let served = 0;
  const server = createServer((_req, res) => {
    served++;
    res.setHeader('content-type', 'image/png');
    res.end(Buffer.from('89504e470d0a1a0a', 'hex'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const honest = createServer((req, res) => {
    if (req.url?.startsWith('/hop')) return void res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` }).end();
    if (o.publicAnswer) return o.publicAnswer(req, res, { port, publicPort });
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => honest.listen(0, '127.0.0.2', r));
  const publicPort = (honest.address() as AddressInfo).port;
  const dns = await startTinyDnsServer((name, nth) => {
    if (name === 'rebind.test') return [nth === 0 ? '93.184.216.34' : '127.0.0.1'];
    if (name === 'hop.test') return ['127.0.0.2'];
    return [];
  });
  return {
    host: 'rebind.test',
    port,
    publicHost: 'hop.test',
    publicPort,
    isPrivate: (a) => a !== '127.0.0.2' && isPrivateAddress(a),
    served: () => served,
    dns,
    close: async () => {
      server.close();
      honest.close();
      await dns.close();
    },
  };
}

export type RebindingTarget = Awaited<ReturnType<typeof startRebindingTarget>>;
