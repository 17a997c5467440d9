import { createServer, type Server } from 'node:http';
import type { StartupStatus } from './startup-status.js';

/**
 * Answers on the service's port while it waits for its dependencies, before Nest runs: /health
 * is 503 with what it waits for (a probe sees a starting service, not a refused connection),
 * anything else 503 with Retry-After. Closed just before the service itself listens.
 */
export async function startStartupHealthServer(status: StartupStatus, port: number, host: string): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('Retry-After', '5');
    res.setHeader('Content-Type', 'application/json');
    res.statusCode = 503;
    if (path === '/health') res.end(JSON.stringify({ status: 'starting', components: status.components() }));
    else res.end(JSON.stringify({ error: 'starting', message: 'the service is starting: see /health' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
