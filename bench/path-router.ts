/**
 * The bench's public entrance (deploy/testing/route-proxy.ts) in a child process of its own (forked;
 * reports its port over IPC), so the bench process's own posting and watching never delay a
 * request between a peer and Pontis.
 */
import type { Backend } from '../deploy/topology.js';
import { portOfServer, startRouteProxy } from '../deploy/testing/route-proxy.js';

export interface RouterStarted {
  port: number;
}

if (process.send) {
  // Backend name → `http://host:port` of the process serving it.
  const targets = JSON.parse(process.env.PONTIS_BENCH_ROUTES ?? '{}') as Partial<Record<Backend, string>>;
  const server = await startRouteProxy({ targetOf: (b) => targets[b] });
  process.send({ port: portOfServer(server) } satisfies RouterStarted);
  // Stop with the bench: the IPC channel closes when the parent exits, however it exits.
  process.on('disconnect', () => process.exit(0));
}
