/**
 * Everything a fault run needs, all of it its own: a Kafka broker and a PostgreSQL cluster on free
 * ports with their data under the run's temp dir (never the machine's shared ones), the four real
 * peers (the relay and the Solid server on disk, so an outage is a real stop and start), and each
 * Pontis service as its own process behind a front proxy that routes like the deployment.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../deploy/topology.js';
import {
  ActivityPubPeer,
  AtprotoPeer,
  freePort,
  KafkaBroker,
  NostrRelayPeer,
  peerEnvForPontis,
  PontisProcess,
  PostgresCluster,
  REPO_ROOT,
  SolidPeer,
} from '../../libs/harness/index.js';
import { errorMessage, sleep } from '../../libs/harness/util.js';
import type { PeerMap } from '../e2e/scenario.js';
import { startRouteProxy } from '../../deploy/testing/route-proxy.js';

export const SERVICES = ['gateway', 'translator', 'activitypub', 'atproto', 'nostr', 'solid'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Stack {
  dir: string;
  kafka: KafkaBroker;
  postgres: PostgresCluster;
  peers: PeerMap;
  services: Record<ServiceName, PontisProcess>;
  publicUrl: string;
  /** Exits the runner did not cause (a service that crashed on its own, or failed to start), with how it exited. */
  unplannedExits: string[];
  /** Say before killing a service on purpose, so its exit does not count as unplanned. */
  planKill(service: ServiceName): void;
  stop(): Promise<void>;
}

type Log = (msg: string) => void;

export async function startStack(log: Log, opts: { keepDir?: boolean } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'pontis-faults-'));
  // The PostgreSQL server runs as its own user and must reach its data dir below this one.
  chmodSync(dir, 0o755);
  const cleanup: Array<() => Promise<void> | void> = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const fn of cleanup.reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const kafka = new KafkaBroker({ dataDir: join(dir, 'kafka') });
    const postgres = new PostgresCluster({ dir: join(dir, 'pg') });
    mkdirSync(join(dir, 'pg'), { recursive: true });
    cleanup.push(() => kafka.stop());
    cleanup.push(() => postgres.stop());
    const t0 = Date.now();
    // Both settle before a failure is thrown, so the cleanup never races a broker still starting.
    const infra = await Promise.allSettled([kafka.start(), postgres.start()]);
    for (const r of infra) if (r.status === 'rejected') throw r.reason;
    log(`own kafka ${kafka.brokers}, own postgres ${postgres.url} (${Date.now() - t0} ms)`);

    mkdirSync(join(dir, 'relay'));
    mkdirSync(join(dir, 'solid'));
    const peers: PeerMap = {
      // Generous start timeouts: on a shared 2-core machine a peer's start can take minutes.
      nostr: new NostrRelayPeer({ dataDir: join(dir, 'relay'), port: await freePort(), startTimeoutMs: 120_000 }),
      solid: new SolidPeer({ dataDir: join(dir, 'solid'), port: await freePort(), startTimeoutMs: 240_000 }),
      atproto: new AtprotoPeer({ startTimeoutMs: 240_000 }),
      activitypub: new ActivityPubPeer({ startTimeoutMs: 120_000 }),
    };
    for (const p of Object.values(peers)) cleanup.push(() => p.stop());
    // Two lanes, heaviest first (as the e2e runner plans them).
    await Promise.all([(async () => (await peers.solid.start(), await peers.nostr.start()))(), (async () => (await peers.atproto.start(), await peers.activitypub.start()))()]);
    log(`peers up (${Date.now() - t0} ms)`);

    const publicPort = await freePort();
    const publicUrl = `http://127.0.0.1:${publicPort}`;
    const env: Record<string, string> = {
      ...peerEnvForPontis({ atproto: peers.atproto.info!, solid: peers.solid.info!, nostr: peers.nostr.info!, activitypub: peers.activitypub.info! }),
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_PARTITIONS: '3',
      DATABASE_URL: postgres.url,
      PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
      PONTIS_PUBLIC_URL: publicUrl,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    };
    const services = {} as Record<ServiceName, PontisProcess>;
    for (const s of SERVICES) {
      services[s] = new PontisProcess({ entry: join(REPO_ROOT, 'dist', 'services', s, 'main.js'), env, port: await freePort(), startTimeoutMs: 120_000, verbose: process.env.FAULTS_VERBOSE === '1' });
      cleanup.push(() => services[s].stop());
    }
    const proxy: Server = await startRouteProxy({ port: publicPort, targetOf: (b: Backend) => (b === 'pds' ? undefined : (services as Partial<Record<string, PontisProcess>>)[b]?.port) });
    cleanup.push(() => new Promise<void>((r) => proxy.close(() => r())));
    // The gateway first: it runs the migrations the others wait for (advisory lock); then the rest together.
    // A first start that fails is tried again, as a supervisor would: services starting together
    // can race creating the same Kafka topics, and the loser exits 1 ("Topic creation errors").
    const startWithRetry = async (s: ServiceName) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await services[s].start();
        } catch (err) {
          if (attempt >= 3) throw err;
          log(`${s} did not start (${errorMessage(err).slice(0, 200)}); trying again`);
          await sleep(1_000);
        }
      }
    };
    await startWithRetry('gateway');
    await Promise.all(SERVICES.filter((s) => s !== 'gateway').map(startWithRetry));
    log(`pontis services up at ${publicUrl} (${Date.now() - t0} ms)`);
    // A supervisor, as Kubernetes or compose would be: a service that exits (killed by a fault, or
    // failing to start because the database or broker was away at that moment) is started again.
    const unplannedExits: string[] = [];
    const planned = new Set<ServiceName>();
    const supervise = async (s: ServiceName) => {
      const p = services[s];
      while (!stopping) {
        await p.whenExited();
        if (stopping) return;
        if (!planned.delete(s)) unplannedExits.push(`${s}: ${p.lastExit ?? 'exited'}${p.outputTail(1) ? ` (${p.outputTail(1).slice(0, 200)})` : ''}`);
        await sleep(1_000);
        if (stopping) return;
        await p.start().catch((err: unknown) => log(`supervisor: ${s} did not start (${errorMessage(err).slice(0, 200)}); trying again`));
      }
    };
    for (const s of SERVICES) void supervise(s);
    return { dir, kafka, postgres, peers, services, publicUrl, unplannedExits, planKill: (s) => planned.add(s), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
