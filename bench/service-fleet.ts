/**
 * Pontis as production runs it: every service in its own process (`dist/services/pontis/main.js`
 * with PONTIS_SERVICES naming one), all on the shared Kafka broker (own topic prefix) and
 * PostgreSQL (own schema), behind one public entrance (path-router.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Backend, DeployedService } from '../deploy/topology.js';
import { freePort, PontisProcess } from '../libs/harness/index.js';
import type { RouterStarted } from './path-router.js';

export interface ServiceFleet {
  publicUrl: string;
  /** pid of each service process, and of the router. */
  pids(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

function startRouter(targets: Partial<Record<Backend, string>>): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(new URL('./path-router.js', import.meta.url)), [], {
    env: { ...process.env, PONTIS_BENCH_ROUTES: JSON.stringify(targets) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as RouterStarted).port }));
    child.once('exit', (code) => reject(new Error(`path router exited with ${code} before listening`)));
  });
}

/**
 * Starts `services` at once (migrations run once, under the store's advisory lock) and resolves
 * when every one answers /health; a service that does not start stops the others and rejects.
 */
export async function startServiceFleet(
  services: readonly DeployedService[],
  env: Record<string, string>,
  opts: {
    pdsUrl?: string;
    verbose?: boolean;
    /** NODE_OPTIONS for some services (e.g. --cpu-prof). */
    nodeOptions?: Partial<Record<DeployedService, string>>;
    /** How some services are launched (e.g. inside their pod's memory cgroup). */
    wrap?: Partial<Record<DeployedService, (command: string, args: string[]) => [string, string[]]>>;
  } = {},
): Promise<ServiceFleet> {
  const ports = Object.fromEntries(await Promise.all(services.map(async (s) => [s, await freePort()] as const))) as Record<DeployedService, number>;
  const targets: Partial<Record<Backend, string>> = {};
  for (const s of services) targets[s] = `http://127.0.0.1:${ports[s]}`;
  if (opts.pdsUrl) targets.pds = opts.pdsUrl;
  const router = await startRouter(targets);
  const publicUrl = `http://127.0.0.1:${router.port}`;
  const procs = new Map<DeployedService, PontisProcess>();
  for (const s of services)
    procs.set(s, new PontisProcess({ port: ports[s], startTimeoutMs: 180_000, verbose: opts.verbose, wrap: opts.wrap?.[s], env: { ...env, PONTIS_SERVICES: s, PONTIS_PUBLIC_URL: publicUrl, ...(opts.nodeOptions?.[s] ? { NODE_OPTIONS: opts.nodeOptions[s] } : {}) } }));
  const stop = async () => {
    await Promise.all([...procs.values()].map((p) => p.stop()));
    router.child.kill('SIGTERM');
  };
  const results = await Promise.allSettled([...procs.entries()].map(([s, p]) => p.start().catch((err: Error) => Promise.reject(new Error(`${s}: ${err.message}`)))));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) {
    await stop();
    throw new Error(`services did not start: ${failed.map((f) => (f.reason as Error).message).join('; ')}`);
  }
  return {
    publicUrl,
    pids: () => ({ ...Object.fromEntries([...procs.entries()].map(([s, p]) => [s, p.pid])), router: router.child.pid }),
    stop,
  };
}
