/**
 * End-to-end latency: a post accepted by one network's real peer server until its copy is
 * observable on each other network's peer, through Pontis run as production runs it (one
 * process per service, Kafka, PostgreSQL), at several offered rates. Also the peak resident
 * memory of every service process over the whole run. What "observable" means per network:
 * copy-watchers.ts. How posts are offered: rate-driver.ts.
 */
import { randomBytes } from 'node:crypto';
import { DEPLOYED_SERVICES, type DeployedService } from '../deploy/topology.js';
import type { Network } from '../libs/events/index.js';
import { peerEnvForPontis, startPeers, type ActivityPubPeer, type AtprotoPeer, type NostrRelayPeer, type Peer, type SolidPeer } from '../libs/harness/index.js';
import { createTestStore } from '../libs/store/testing.js';
import { testEnv } from '../libs/testing/index.js';
import { resourceSlug } from '../services/solid/mapping/names.js';
import { benchContext } from './bench-context.js';
import { linkedPosters, unlinkedPoster, type Poster } from './bench-people.js';
import { watchFediverse, watchFirehose, watchNostr, watchPods, type Watcher } from './copy-watchers.js';
import { ArrivalBook, marker, pairFigures, type PairFigures } from './latency-stats.js';
import { inCgroup, memoryCgroupHost } from './memory-cgroup.js';
import { cpuOver } from './cpu-time.js';
import { MemorySampler, type MemoryReport } from './memory-sampler.js';
import { podMemoryLimits } from '../deploy/pod-limits.js';
import { NostrSocket } from './nostr-socket.js';
import { drive, type DriveResult } from './rate-driver.js';
import { startServiceFleet } from './service-fleet.js';
import { stampIngest, type IngestStamps } from './ingest-stamps.js';
import { breakdown, ledgerRows, type Breakdown } from './stage-breakdown.js';

export interface LatencyOptions {
  /** Offered posts/s, in total over the source networks (each gets an equal share). */
  rates: number[];
  seconds: number;
  /** How long after a phase's last post its copies may still arrive before they count as missing. */
  drainSeconds: number;
  /** Linked people per network. */
  people: number;
  networks: Network[];
  /** Unanswered posts per source network before a due post is not sent. */
  maxInFlight: number;
  /** Seconds of posting per peer alone (unlinked people, before Pontis starts); 0 skips it. */
  aloneSeconds: number;
  /** Seconds of nobody posting after the warm-up, to measure what each process costs idle; 0 skips it. */
  idleSeconds: number;
  partitions: number;
  verbose: boolean;
  /** Services to run under `node --cpu-prof`, profiles written to `profileDir` when they stop. */
  profile?: { services: DeployedService[]; dir: string };
  /** NODE_OPTIONS for every service process (e.g. a V8 heap setting under test). */
  nodeOptions?: string;
  /** Run each service in a memory cgroup limited as its pod is (k8s/base), as deployed; false: unconstrained. */
  podLimits: boolean;
}

/** Under which memory limit the services ran, and why none when none. */
export type PodLimitsReport = { applied: true; limitMb: Partial<Record<DeployedService, number>> } | { applied: false; reason: string };

export interface PhaseResult {
  offeredPerSecond: number;
  seconds: number;
  sources: Partial<Record<Network, DriveResult>>;
  /** `source->target`: from the source peer's accept to the copy seen on the target peer. */
  pairs: Record<string, PairFigures>;
  all: PairFigures;
  /** From the phase's last accepted post until every copy was seen (or the drain timed out). */
  drainMs: number;
  /** The same copies split at the delivery ledger's timestamps (stage-breakdown.ts). */
  stages: Breakdown;
}

export interface LatencyResult {
  latency: {
    networks: Network[];
    peoplePerNetwork: number;
    services: readonly DeployedService[];
    peerAloneAcceptedPerSecond: Partial<Record<Network, number>>;
    phases: PhaseResult[];
    warmup: { ms: number; complete: boolean };
    /** After the warm-up, before the first rate: each service's and peer's CPU with nobody posting. */
    idleCpu?: { seconds: number; percentOfCore: Record<string, number | null> };
    watchers: Record<string, Record<string, number>>;
  };
  memory: { services: Record<string, MemoryReport>; peers: Record<string, MemoryReport>; podLimits: PodLimitsReport };
}

const log = (m: string) => process.stderr.write(`bench latency: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) return false;
    await sleep(100);
  }
  return true;
}

export async function benchLatency(opts: LatencyOptions): Promise<LatencyResult> {
  const run = randomBytes(3).toString('hex');
  const store = await createTestStore({ migrate: false });
  const prefix = `lat${run}`;
  const peers: Partial<Record<Network, Peer<unknown>>> = {};
  const watchers: Record<string, Watcher> = {};
  let stopFleet = async () => {};
  let relay: NostrSocket | undefined;
  let stamps: IngestStamps | undefined;
  try {
    const t0 = Date.now();
    Object.assign(peers, await startPeers(opts.networks, { onFailed: (n, err) => log(`${n} peer failed: ${String(err)}`) }));
    const missing = opts.networks.filter((n) => !peers[n]);
    if (missing.length) throw new Error(`peers did not start: ${missing.join(', ')}`);
    log(`peers up in ${Date.now() - t0} ms`);
    const nostrUrl = (peers.nostr as NostrRelayPeer | undefined)?.info?.url;
    if (nostrUrl) {
      relay = new NostrSocket(nostrUrl);
      await relay.open();
    }

    // The peers alone first, with people Pontis does not know, before Pontis takes any CPU.
    const alone: Partial<Record<Network, number>> = {};
    if (opts.aloneSeconds > 0) {
      const ctx0 = benchContext(peers, 'http://127.0.0.1:9');
      for (const n of opts.networks) {
        const poster = await unlinkedPoster(ctx0, n, relay!);
        const r = await drive(n, [poster], { ratePerSecond: 5_000, seconds: opts.aloneSeconds, maxInFlight: opts.maxInFlight, text: (i) => `alone ${n} ${i}`, onAccepted: () => {} });
        alone[n] = r.acceptedPerSecond;
        log(`${n} peer alone: ${r.acceptedPerSecond} posts/s accepted with ${opts.maxInFlight} in flight${r.firstError ? ` (${r.firstError})` : ''}`);
      }
    }

    const env: Record<string, string> = {
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: String(opts.partitions),
      DATABASE_URL: testEnv.databaseUrl,
      DATABASE_SCHEMA: store.schema,
      PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: opts.verbose ? 'info' : 'warn',
      ...peerEnvForPontis({
        atproto: (peers.atproto as AtprotoPeer | undefined)?.info,
        solid: (peers.solid as SolidPeer | undefined)?.info,
        nostr: (peers.nostr as NostrRelayPeer | undefined)?.info,
        activitypub: (peers.activitypub as ActivityPubPeer | undefined)?.info,
      }),
      // The production default (libs/config): the harness's 20 s is for tests that wait on the
      // periodic pass. Every 20 s each watched pod's whole outbox listing was read again, by a
      // pass that kept the notified reads of that pod waiting for up to 28 s.
      PONTIS_SOLID_RECONCILE_INTERVAL_MS: String(5 * 60_000),
    };
    const t1 = Date.now();
    const pdsUrl = (peers.atproto as AtprotoPeer | undefined)?.info?.pdsUrl;
    const nodeOptions = Object.fromEntries(
      DEPLOYED_SERVICES.map((s) => [s, [opts.nodeOptions, opts.profile?.services.includes(s) ? `--cpu-prof --cpu-prof-dir=${opts.profile.dir}` : ''].filter(Boolean).join(' ')]),
    );
    const pods = opts.podLimits ? podCgroups(run) : { report: { applied: false as const, reason: 'not asked (--latency-pod-limits none)' }, wrap: {}, remove: () => {} };
    if (!pods.report.applied) log(`services run without their pods' memory limits: ${pods.report.reason}`);
    const fleet = await startServiceFleet(DEPLOYED_SERVICES, env, { pdsUrl, verbose: opts.verbose, nodeOptions, wrap: pods.wrap });
    stopFleet = async () => {
      await fleet.stop();
      pods.remove();
    };
    log(`services up in ${Date.now() - t1} ms behind ${fleet.publicUrl}`);
    const peerPids = () => Object.fromEntries(Object.entries(peers).map(([n, p]) => [n, p.stats().pid]));
    /** Every service process and every peer (`peer:<network>`), by name. */
    const allPids = () => ({ ...fleet.pids(), ...Object.fromEntries(Object.entries(peerPids()).map(([n, pid]) => [`peer:${n}`, pid])) });
    const memory = new MemorySampler(allPids);
    memory.start(500);

    const ctx = benchContext(peers, fleet.publicUrl);
    const t2 = Date.now();
    const posters = Object.fromEntries(await Promise.all(opts.networks.map(async (n) => [n, await linkedPosters(ctx, n, opts.people, relay!)] as const))) as Record<Network, Poster[]>;
    log(`${opts.people} people linked on each network in ${Date.now() - t2} ms`);

    const book = new ArrivalBook();
    const seen = (m: string, source: Network, on: Network, at: number) => book.seen(m, source, on, at);
    const slugs = new Map<string, { marker: string; source: Network }>();
    const all = opts.networks.flatMap((n) => posters[n]);
    if (nostrUrl) watchers.nostr = await watchNostr(nostrUrl, run, seen);
    if (pdsUrl) watchers.atproto = await watchFirehose(pdsUrl, run, seen);
    const ap = peers.activitypub as ActivityPubPeer | undefined;
    if (ap) watchers.activitypub = watchFediverse(ap, run, seen);
    const solidBase = (peers.solid as SolidPeer | undefined)?.info?.baseUrl;
    const outboxes = solidBase ? all.filter((p) => p.network !== 'solid').map((p) => new URL(`${p.bridgedPod}/social/outbox/`, solidBase).href) : [];
    if (solidBase) watchers.solid = watchPods(() => outboxes, slugs, run, seen);

    let seq = 0;
    const postAll = async (phase: string) => {
      await Promise.all(
        all.map(async (p) => {
          const m = marker(run, p.network, ++seq);
          const r = await p.post(`warm up ${m}`);
          book.sent(m, p.network, phase, r.acceptedAt, r.eventId);
          if (r.eventId) slugs.set(resourceSlug(`${r.eventId}>solid`), { marker: m, source: p.network });
        }),
      );
    };
    const targetsOf = (source: Network) => opts.networks.filter((n) => n !== source);
    // The first post of each person creates their bridged identities (PDS accounts, pods, keys):
    // a cost paid once per person, not part of the steady-state latency.
    const t3 = Date.now();
    await postAll('warmup');
    await waitUntil(() => book.complete('warmup', (s) => targetsOf(s).filter((t) => t !== 'activitypub')), 120_000);
    if (ap) {
      const watcher = await ap.createUser(`lbwatch${run}`);
      for (const p of all.filter((x) => x.network !== 'activitypub')) {
        const actor = `${fleet.publicUrl}/ap/users/${p.bridgedActorName}`;
        await ctx.waitFor(async () => (await fetch(actor, { headers: { accept: 'application/activity+json' } })).status === 200, { what: `the bridged actor ${actor}` });
        await ap.follow(watcher.name, actor);
      }
      await ctx.waitFor(async () => (await ap.following(watcher.name)).every((f) => f.accepted), { what: 'the bridged actors to accept the follows' });
    }
    await postAll('warmup2');
    const warmComplete = await waitUntil(() => book.complete('warmup2', targetsOf), 60_000);
    const warmMs = Date.now() - t3;
    log(`warm-up ${warmComplete ? 'complete' : 'INCOMPLETE'} in ${warmMs} ms`);
    // What each process costs while nobody posts: linked people, open connections, timers.
    const idleCpu = opts.idleSeconds > 0 ? { seconds: opts.idleSeconds, percentOfCore: await cpuOver(allPids(), opts.idleSeconds * 1000) } : undefined;
    if (idleCpu) log(`idle CPU over ${opts.idleSeconds} s (% of a core): ${JSON.stringify(idleCpu.percentOfCore)}`);

    stamps = await stampIngest({ brokers: testEnv.kafkaBrokers, prefix, run });

    const phases: PhaseResult[] = [];
    for (const rate of opts.rates) {
      const phase = `rate${rate}`;
      log(`offering ${rate} posts/s for ${opts.seconds} s`);
      let lastAcceptedAt = 0;
      const sources = Object.fromEntries(
        await Promise.all(
          opts.networks.map(async (n) => {
            const r = await drive(n, posters[n], {
              ratePerSecond: rate / opts.networks.length,
              seconds: opts.seconds,
              maxInFlight: opts.maxInFlight,
              text: (i) => `bench post ${i} ${marker(run, n, seq + 1 + i * opts.networks.length + opts.networks.indexOf(n))}`,
              onAccepted: (i, _p, at, eventId) => {
                const m = marker(run, n, seq + 1 + i * opts.networks.length + opts.networks.indexOf(n));
                book.sent(m, n, phase, at, eventId);
                lastAcceptedAt = Math.max(lastAcceptedAt, at);
                if (eventId && n !== 'solid') slugs.set(resourceSlug(`${eventId}>solid`), { marker: m, source: n });
              },
            });
            return [n, r] as const;
          }),
        ),
      ) as Partial<Record<Network, DriveResult>>;
      seq += Math.ceil(rate * opts.seconds) * opts.networks.length + opts.networks.length;
      await waitUntil(() => book.complete(phase, targetsOf), opts.drainSeconds * 1000);
      const drainMs = Date.now() - lastAcceptedAt;
      const pairs: Record<string, PairFigures> = {};
      for (const s of opts.networks) for (const t of targetsOf(s)) pairs[`${s}->${t}`] = book.figures(phase, s, t);
      const sentAt: number[] = [];
      const seenAt: (number | undefined)[] = [];
      for (const p of book.posts.values())
        if (p.phase === phase)
          for (const t of targetsOf(p.source)) {
            sentAt.push(p.sentAt);
            seenAt.push(p.seen[t]);
          }
      const phasePosts = [...book.posts.values()]
        .filter((p) => p.phase === phase && p.eventId)
        .map((p) => ({ ...p, eventId: p.eventId!, publishedAt: stamps?.published.get(p.eventId!) }));
      const stages = breakdown(phasePosts, await ledgerRows(store.ds, phasePosts.map((p) => p.eventId)));
      const result: PhaseResult = { offeredPerSecond: rate, seconds: opts.seconds, sources, pairs, all: pairFigures(sentAt, seenAt), drainMs, stages };
      log(`${rate} posts/s: ${JSON.stringify(result.all)} stages ${JSON.stringify(stages)}`);
      phases.push(result);
    }

    const memoryReport = memory.stop();
    const services: Record<string, MemoryReport> = {};
    const peerMem: Record<string, MemoryReport> = {};
    for (const [k, v] of Object.entries(memoryReport)) (k.startsWith('peer:') ? peerMem : services)[k.replace(/^peer:/, '')] = v;
    return {
      latency: {
        networks: opts.networks,
        peoplePerNetwork: opts.people,
        services: DEPLOYED_SERVICES,
        peerAloneAcceptedPerSecond: alone,
        phases,
        warmup: { ms: warmMs, complete: warmComplete },
        idleCpu,
        watchers: Object.fromEntries(Object.entries(watchers).map(([n, w]) => [n, w.stats()])),
      },
      memory: { services, peers: peerMem, podLimits: pods.report },
    };
  } finally {
    await stamps?.stop();
    for (const w of Object.values(watchers)) await w.stop();
    relay?.close();
    await stopFleet();
    await Promise.all(Object.values(peers).map((p) => p.stop()));
    await store.drop();
  }
}

/** One memory cgroup per service with its pod's limit, or the reason there are none. */
function podCgroups(run: string): { report: PodLimitsReport; wrap: Partial<Record<DeployedService, (c: string, a: string[]) => [string, string[]]>>; remove(): void } {
  const host = memoryCgroupHost();
  if (!host.ok) return { report: { applied: false, reason: host.reason }, wrap: {}, remove: () => {} };
  const limits = podMemoryLimits(DEPLOYED_SERVICES);
  const groups = Object.entries(limits).map(([s, bytes]) => [s as DeployedService, host.create(`pontis-bench-${run}-${s}`, bytes), bytes] as const);
  return {
    report: { applied: true, limitMb: Object.fromEntries(groups.map(([s, , bytes]) => [s, Math.round(bytes / 1048576)])) },
    wrap: Object.fromEntries(groups.map(([s, g]) => [s, (c: string, a: string[]) => inCgroup(g.procsFile, c, a)])),
    remove: () => groups.forEach(([, g]) => g.remove()),
  };
}
