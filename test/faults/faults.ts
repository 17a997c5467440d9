/**
 * The faults of a run, one after the other while the stream flows: `kill -9` of each service
 * process (restarted at once, as a supervisor would), a restart of the Kafka broker, a crash and
 * restart of PostgreSQL (`pg_ctl stop -m immediate`), and each peer server down for a while.
 */
import type { Network } from '../../libs/events/networks.js';
import { errorMessage, fetchT, sleep, waitFor } from '../../libs/harness/util.js';
import { SERVICES, type ServiceName, type Stack } from './stack.js';

export type Fault = { kind: 'kill-9'; service: ServiceName } | { kind: 'kafka-restart' } | { kind: 'postgres-restart' } | { kind: 'peer-outage'; network: Network };

export interface InjectedFault {
  fault: string;
  /** ms since the stream started. */
  startMs: number;
  /** How long until the part was back (service /health 200, broker listening, peer answering); -1 while a restart is still under way. */
  downMs: number;
  /** For peer outages: a real stop and start, or frozen (SIGSTOP) where the peer keeps its data in memory. */
  how?: string;
  error?: string;
}

/** Every fault kind once, services first (interleaved with the infrastructure so their effects do not pile up). */
export function faultPlan(): Fault[] {
  const kills: Fault[] = SERVICES.map((service) => ({ kind: 'kill-9', service }));
  const peers: Fault[] = (['nostr', 'atproto', 'activitypub', 'solid'] as Network[]).map((network) => ({ kind: 'peer-outage', network }));
  const infra: Fault[] = [{ kind: 'kafka-restart' }, { kind: 'postgres-restart' }];
  const out: Fault[] = [];
  const lanes = [kills, peers, infra];
  while (lanes.some((l) => l.length)) for (const l of lanes) if (l.length) out.push(l.shift()!);
  return out;
}

export const describeFault = (f: Fault): string =>
  f.kind === 'kill-9' ? `kill -9 ${f.service}` : f.kind === 'peer-outage' ? `${f.network} peer down` : f.kind;

export interface FaultHooks {
  /** The load generator stops posting on a network while its peer is down. */
  peerDown(network: Network, down: boolean): void;
  /** Polled while a peer is down, to catch the status API showing the delay. */
  duringOutage(network: Network): Promise<void>;
  log(msg: string): void;
  /** Work that completes a fault later (a service's restart); awaited before the final count. */
  pending(p: Promise<void>): void;
}

export async function inject(stack: Stack, f: Fault, t0: number, outageMs: number, hooks: FaultHooks): Promise<InjectedFault> {
  const startMs = Date.now() - t0;
  const started = Date.now();
  const done = (extra: Partial<InjectedFault> = {}): InjectedFault => ({ fault: describeFault(f), startMs, downMs: Date.now() - started, ...extra });
  hooks.log(`fault at +${Math.round(startMs / 1000)} s: ${describeFault(f)}`);
  try {
    switch (f.kind) {
      case 'kill-9': {
        // The stack's supervisor starts it again, as it would after any crash; the restart runs on
        // while the next fault comes (a start takes tens of seconds on a loaded machine).
        const p = stack.services[f.service];
        stack.planKill(f.service);
        await p.kill('SIGKILL');
        const record = done({ downMs: -1 });
        hooks.pending(
          (async () => {
            const base = `http://127.0.0.1:${p.port}/health`;
            await waitFor(async () => p.running && (await fetchT(base, { timeoutMs: 2_000 })).status === 200, { timeoutMs: 300_000, intervalMs: 500, what: `${f.service} back after kill -9` });
            record.downMs = Date.now() - started;
          })().catch((err: unknown) => void (record.error = errorMessage(err))),
        );
        return record;
      }
      case 'kafka-restart':
        await stack.kafka.restart();
        return done();
      case 'postgres-restart':
        stack.postgres.crash();
        await sleep(3_000);
        await stack.postgres.start();
        return done();
      case 'peer-outage': {
        hooks.peerDown(f.network, true);
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            await hooks.duringOutage(f.network).catch(() => undefined);
            await sleep(2_000);
          }
        })();
        try {
          const how = await stack.peers[f.network].outage(outageMs);
          return done({ how });
        } finally {
          watching = false;
          await watcher;
          hooks.peerDown(f.network, false);
        }
      }
    }
  } catch (err) {
    return done({ error: errorMessage(err) });
  }
}
