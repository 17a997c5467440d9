import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTinyDnsServer } from './tiny-dns-server.js';

/**
 * A DNS rebinding set-up: `rebind.test` answers a public address to the first lookup (the
 * guard's check) and 127.0.0.1 to every later one (the connection), where a server counts what
 * reaches it. A client that connects to what it checked never reaches the server.
 */
export async function startRebindingTarget(): Promise<{
  host: string;
  port: number;
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
  const dns = await startTinyDnsServer((name, nth) => (name === 'rebind.test' ? [nth === 0 ? '93.184.216.34' : '127.0.0.1'] : []));
  return {
    host: 'rebind.test',
    port: (server.address() as AddressInfo).port,
    served: () => served,
    dns,
    close: async () => {
      server.close();
      await dns.close();
    },
  };
}
