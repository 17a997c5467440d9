/**
 * End-to-end runner: `node dist/test/e2e/run.js` (npm run e2e).
 *
 *  1. picks the scenarios (E2E_ONLY=<substring> selects by id) and the peers they need;
 *  2. starts those peers in parallel (each in its own child process) → `peer:<network>` lines;
 *  3. starts Pontis (dist/services/pontis/main.js) pointed at them → `pontis:start`;
 *  4. runs the other scenarios one at a time, each with its own timeout;
 *  5. stops Pontis and the peers (also on failure and on SIGINT/SIGTERM).
 *
 * stdout carries exactly one `PASS <id>` / `FAIL <id>: <reason>` line per scenario and the
 * closing `N passed, M failed`; diagnostics (timings, memory) go to stderr.
 * E2E_KEEP=1 leaves everything running until Ctrl-C; E2E_VERBOSE=1 echoes peer/Pontis output.
 */
import { availableParallelism } from 'node:os';
import { NETWORKS, type Network } from '../../libs/events/networks.js';
import { planLanes, startPeers } from '../../libs/harness/peer-fleet.js';
import type { Peer } from '../../libs/harness/peers/peer.js';
import { PontisProcess, peerEnvForPontis } from '../../libs/harness/pontis-process.js';
import { errorMessage, mb, oneLine, waitFor } from '../../libs/harness/util.js';
import type { E2EContext, PeerMap, Scenario } from './scenario.js';
import { allScenarios } from './scenarios/index.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const only = process.env.E2E_ONLY?.trim() || undefined;
/** Exact scenario ids, comma-separated (scripts/pontis.sh re-runs what failed this way). */
const exact = process.env.E2E_IDS?.trim() ? new Set(process.env.E2E_IDS.split(',').map((id) => id.trim()).filter(Boolean)) : undefined;
const keep = process.env.E2E_KEEP === '1';

let passed = 0;
let failed = 0;
const t0 = Date.now();

function report(id: string, error?: string): void {
  if (error === undefined) {
    passed++;
    process.stdout.write(`PASS ${id}\n`);
  } else {
    failed++;
    process.stdout.write(`FAIL ${id}: ${oneLine(error) || 'failed'}\n`);
  }
}
function diag(line: string): void {
  process.stderr.write(`e2e: ${line}\n`);
}

// --- state shared with the shutdown path -------------------------------------------------------

const peers: Partial<PeerMap> = {};
const startErrors: Partial<Record<Network | 'pontis', string>> = {};
let pontis: PontisProcess | undefined;
const peakRss = new Map<string, number>();
let sampler: NodeJS.Timeout | undefined;

function samplePeaks(): void {
  for (const [net, peer] of Object.entries(peers) as [Network, Peer<unknown>][]) {
    const rss = peer.stats().rssBytes;
    if (rss !== null && rss > (peakRss.get(net) ?? 0)) peakRss.set(net, rss);
  }
  const prss = pontis?.rss();
  if (prss != null && prss > (peakRss.get('pontis') ?? 0)) peakRss.set('pontis', prss);
}

let shutdownPromise: Promise<void> | undefined;
function shutdown(): Promise<void> {
  shutdownPromise ??= (async () => {
    if (sampler) clearInterval(sampler);
    samplePeaks();
    const tStop = Date.now();
    await pontis?.stop().catch((err: unknown) => diag(`stopping pontis: ${errorMessage(err)}`));
    await Promise.allSettled(
      (Object.values(peers) as Peer<unknown>[]).map((p) => p.stop().catch((err: unknown) => diag(`stopping ${p.network}: ${errorMessage(err)}`))),
    );
    diag(`stopped everything in ${Date.now() - tStop} ms`);
  })();
  return shutdownPromise;
}

function printStats(): void {
  const rows: string[] = [];
  for (const net of NETWORKS) {
    const p = peers[net] as Peer<unknown> | undefined;
    if (!p) continue;
    const s = p.stats();
    rows.push(`${net.padEnd(11)} start ${s.startMs === undefined ? '?' : `${s.startMs} ms`}`.padEnd(30) + ` peak RSS ${mb(peakRss.get(net))}`);
  }
  if (pontis) rows.push(`${'pontis'.padEnd(11)} start ${pontis.startMs === undefined ? '-' : `${pontis.startMs} ms`}`.padEnd(30) + ` peak RSS ${mb(peakRss.get('pontis'))}`);
  for (const r of rows) diag(r);
}

async function finish(): Promise<never> {
  samplePeaks();
  printStats();
  if (keep && !interrupted) {
    diag('E2E_KEEP=1: leaving peers and Pontis running; Ctrl-C to stop.');
    for (const [net, p] of Object.entries(peers)) diag(`  ${net}: ${JSON.stringify((p as Peer<unknown>).info)}`);
    if (pontis?.baseUrl) diag(`  pontis: ${pontis.baseUrl}`);
    keepWaiting = true;
    await new Promise<void>(() => undefined); // until SIGINT (handled below)
  }
  return exitWith(failed > 0 || interrupted ? 1 : 0);
}

let exiting: Promise<never> | undefined;
/** Stops everything, prints the summary line once, exits. */
function exitWith(code: number): Promise<never> {
  exiting ??= (async () => {
    await shutdown();
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    diag(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    process.exit(code);
  })();
  return exiting;
}

let interrupted = false;
let keepWaiting = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    if (keepWaiting) return void exitWith(failed > 0 ? 1 : 0);
    if (!exiting) report('e2e:interrupted', `received ${sig}`);
    void exitWith(130);
  });
}
// A scenario's stray promise must not kill the run (its own await reports the failure).
process.on('unhandledRejection', (err) => diag(`unhandled rejection: ${errorMessage(err)}`));

// --- scenario execution -------------------------------------------------------------------------

let uniqueCounter = 0;
const runTag = Math.random().toString(36).slice(2, 6);

function contextFor(s: Scenario, signal: AbortSignal): E2EContext {
  return {
    peers,
    peer<N extends Network>(network: N): PeerMap[N] {
      const p = peers[network];
      if (!p?.info) throw new Error(`${network} peer is not available${startErrors[network] ? ` (${startErrors[network]})` : ''}`);
      return p;
    },
    startErrors,
    pontisUrl: pontis?.running ? pontis.baseUrl : undefined,
    pontisProcess: pontis,
    waitFor: (fn, opts = {}) => waitFor(fn, { ...opts, signal }),
    signal,
    unique: (prefix: string) => `${prefix}${++uniqueCounter}${runTag}`,
    log: (message: string) => process.stderr.write(`  [${s.id}] ${message}\n`),
  };
}

async function runScenario(s: Scenario): Promise<void> {
  if ((s.stage ?? 'main') === 'main') {
    const missing = s.needs.find((n) => !peers[n]?.info);
    if (missing) return report(s.id, `needs the ${missing} peer, which is not running${startErrors[missing] ? ` (${startErrors[missing]})` : ''}`);
    if (s.needsPontis !== false && !pontis?.running) {
      return report(s.id, `needs pontis, which is not running${startErrors.pontis ? ` (${startErrors.pontis})` : ''}`);
    }
  }
  const timeoutMs = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const tS = Date.now();
  try {
    await Promise.race([
      s.run(contextFor(s, ac.signal)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ac.abort();
          reject(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    report(s.id);
  } catch (err) {
    if (s.quarantine) {
      // Known flaky, run and shown but not counted (scenario.ts `quarantine`): neither a pass nor a failure.
      process.stdout.write(`SKIP ${s.id}: quarantined (${oneLine(s.quarantine)}); failed: ${oneLine(errorMessage(err))}\n`);
      return;
    }
    report(s.id, errorMessage(err));
  } finally {
    clearTimeout(timer);
    if (!ac.signal.aborted) ac.abort();
    diag(`${s.id} took ${Date.now() - tS} ms`);
  }
}

async function main(): Promise<never> {
  // Selection.
  const ids = new Set<string>();
  for (const s of allScenarios) {
    if (ids.has(s.id)) {
      report('e2e:registry', `duplicate scenario id ${s.id}`);
      return finish();
    }
    ids.add(s.id);
  }
  const picked = allScenarios.filter((s) => (!only || s.id.includes(only)) && (!exact || exact.has(s.id)));
  if (!picked.length) {
    report('e2e:select', `no scenario id matches E2E_ONLY=${only ?? ''} E2E_IDS=${[...(exact ?? [])].join(',')}`);
    return finish();
  }
  const needed = new Set<Network>(picked.flatMap((s) => s.needs));
  const wantPontis = picked.some((s) => s.stage === 'pontis' || ((s.stage ?? 'main') === 'main' && s.needsPontis !== false));
  // Infrastructure checks for whatever gets started are always reported.
  const selected = allScenarios.filter(
    (s) => picked.includes(s) || (s.stage === 'peers' && s.needs.every((n) => needed.has(n))) || (s.stage === 'pontis' && wantPontis),
  );
  for (const s of selected) for (const n of s.needs) needed.add(n);
  diag(`${selected.length} scenario(s); peers: ${[...needed].join(', ') || 'none'}; pontis: ${wantPontis ? 'yes' : 'no'}`);

  // Peers start in parallel lanes, one lane per core: their start-up is CPU-bound, so starting
  // all four at once on 2 cores is no faster than one after the other. Heaviest first, each to
  // the lane with the least expected work (measured start times alone, ms).
  const tPeers = Date.now();
  sampler = setInterval(samplePeaks, 500);
  sampler.unref();
  const laneCount = Math.max(1, Number(process.env.E2E_PEER_LANES) || availableParallelism());
  const lanes = planLanes(needed, laneCount);
  await startPeers(needed, {
    laneCount,
    cancelled: () => interrupted,
    onCreated: (n, peer) => {
      (peers as Record<Network, Peer<unknown>>)[n] = peer;
    },
    onStarted: (n, peer) => {
      const s = peer.stats();
      diag(`${n} peer up in ${s.startMs} ms, RSS ${mb(s.rssBytes)}: ${JSON.stringify(peer.info)}`);
    },
    onFailed: (n, err) => {
      startErrors[n] = errorMessage(err);
      diag(`${n} peer failed to start: ${startErrors[n]}`);
    },
  });
  diag(`peers started in ${Date.now() - tPeers} ms (wall clock, ${laneCount} lane(s): ${lanes.map((l) => l.join('→')).join(' | ')})`);
  if (interrupted) return finish();
  for (const s of selected.filter((x) => x.stage === 'peers')) await runScenario(s);

  // Pontis.
  if (wantPontis && !interrupted) {
    pontis = new PontisProcess({
      entry: process.env.E2E_PONTIS_ENTRY || undefined,
      startTimeoutMs: Number(process.env.E2E_PONTIS_START_TIMEOUT_MS) || 60_000,
      env: {
        ...peerEnvForPontis({
          atproto: peers.atproto?.info,
          solid: peers.solid?.info,
          nostr: peers.nostr?.info,
          activitypub: peers.activitypub?.info,
        }),
        // A reply to a Nostr post never seen goes, linking it, after this wait (unbridged-parent.ts), not after 2 min.
        PONTIS_UNSEEN_PARENT_WAIT_MS: process.env.PONTIS_UNSEEN_PARENT_WAIT_MS ?? '10000',
      },
    });
    try {
      await pontis.start();
      diag(`pontis up in ${pontis.startMs} ms at ${pontis.baseUrl}, RSS ${mb(pontis.rss())}`);
    } catch (err) {
      startErrors.pontis = errorMessage(err);
      diag(`pontis failed to start: ${startErrors.pontis}`);
    }
  }
  for (const s of selected.filter((x) => x.stage === 'pontis')) if (!interrupted) await runScenario(s);

  for (const s of selected.filter((x) => (x.stage ?? 'main') === 'main')) if (!interrupted) await runScenario(s);
  return finish();
}

main().catch(async (err: unknown) => {
  report('e2e:runner', `runner crashed: ${errorMessage(err)}`);
  await finish();
});
