/**
 * The fault-stream runner (`npm run faults`): a stream of events posted on all four real peers
 * while every part of the bridge is broken in turn, then a count on the peers themselves that
 * every event reached every target exactly once, and what the status API showed about the delays.
 *
 *   node dist/test/faults/run.js [--events N] [--quick] [--people N] [--outage-s S] [--seed N]
 *
 * stdout: the JSON summary, then one PASS/FAIL line per check and `N passed, M failed` (the form
 * scripts/pontis.sh adds up). Progress goes to stderr. Exit code 0 only when every check passed.
 */
import { randomBytes } from 'node:crypto';
import type { Network } from '../../libs/events/networks.js';
import { errorMessage, sleep, waitFor } from '../../libs/harness/util.js';
import { takeCensus, type Census } from './census.js';
import { faultPlan, inject, type InjectedFault } from './faults.js';
import { LoadGenerator } from './load.js';
import { seededRandom } from './mix.js';
import { bridgedIdentities, contextFor, createPeople, fediverseObserver, type Bridged } from './people.js';
import { startStack, type Stack } from './stack.js';
import { StatusWatch, type BridgeStatus } from './status-watch.js';
import { verdict, type Verdict } from './verdict.js';
import { parseArgs, type FaultRunOptions } from './options.js';

const log = (m: string) => process.stderr.write(`faults: ${m}\n`);

async function main(opts: FaultRunOptions): Promise<number> {
  const tStart = Date.now();
  const stack: Stack = await startStack(log);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void stack.stop().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ctx = contextFor(stack, log);
    const runTag = randomBytes(3).toString('hex');
    const down = new Set<Network>();
    const people = await createPeople(ctx, opts.people);
    const load = new LoadGenerator(ctx, people, runTag, seededRandom(opts.seed), () => down);
    for (const p of people) await load.hello(p);
    const bridged: Bridged[] = [];
    for (const p of people) bridged.push(await bridgedIdentities(stack.publicUrl, p));
    const observer = await fediverseObserver(ctx, bridged);
    log(`${people.length} people linked, bridged everywhere; observer ${observer.name} follows ${bridged.length} bridged actors (${Math.round((Date.now() - tStart) / 1000)} s)`);

    const t0 = Date.now();
    const sinceSeconds = Math.floor(t0 / 1000) - 5;
    const watch = new StatusWatch(stack.publicUrl, t0);
    watch.start();
    const plan = faultPlan();
    const injected: InjectedFault[] = [];
    const restarts: Promise<void>[] = [];
    let loadDone = false;
    const faultLoop = (async () => {
      for (const [i, f] of plan.entries()) {
        const at = Math.floor(((i + 1) * opts.events) / (plan.length + 1));
        while (load.events.length < at && !loadDone) await sleep(250);
        if (interrupted) return;
        injected.push(
          await inject(stack, f, t0, opts.outageMs, {
            peerDown: (n, isDown) => (isDown ? down.add(n) : down.delete(n)),
            duringOutage: (n) => watch.watchOutage(n, bridged),
            log,
            pending: (p) => restarts.push(p),
          }),
        );
      }
    })();
    const progress = setInterval(() => log(`${load.events.length}/${opts.events} events sent, ${load.refused} refused (peer down)`), 15_000);
    await load.run(opts.events, opts.concurrency, opts.minStreamMs);
    loadDone = true;
    const streamMs = Date.now() - t0;
    await faultLoop;
    await Promise.all(restarts);
    clearInterval(progress);
    log(`stream done: ${load.events.length} events in ${Math.round(streamMs / 1000)} s; ${injected.length} faults`);

    // Quiescence: nothing left for the translator, no command queued or failing, nothing held.
    const tQuiet = Date.now();
    let stillBusy: string[] = [];
    await waitFor(
      async () => {
        stillBusy = busyParts(await watch.status());
        return stillBusy.length === 0;
      },
      { timeoutMs: opts.settleMs, intervalMs: 3_000, what: 'the bridge to go quiet (no consumer lag, nothing queued, failed or held)' },
    ).catch((err) => log(`${errorMessage(err)}; still busy: ${stillBusy.join(', ') || 'unknown (status unreadable)'}`));
    // Copies land on a peer a moment after the ledger says delivered (a firehose, a notification):
    // count until nothing is missing or the settle time is over.
    let census: Census | undefined;
    let result: Verdict | undefined;
    for (;;) {
      census = await takeCensus({ events: load.events, bridged, runTag, sinceSeconds, relay: stack.peers.nostr, pds: stack.peers.atproto, ap: stack.peers.activitypub, observer: observer.name });
      result = verdict(load.events, census.copies, census.strays);
      if (result.lost === 0 || Date.now() - tQuiet > opts.settleMs) break;
      log(`census: ${result.lost} copies still missing (${census.unreadableSolid.length} pod copies not yet readable), counting again in 15 s`);
      await sleep(15_000);
    }
    const drainMs = Date.now() - t0 - streamMs;
    watch.stop();
    const delayed = await watch.delayed(bridged);
    const final = await watch.status();

    const summary = {
      events: load.events.length,
      byKind: countBy(load.events.map((e) => `${e.network}:${e.kind}`)),
      refusedWhilePeerDown: load.refused,
      refusals: load.refusals,
      people: people.length,
      seed: opts.seed,
      streamSeconds: Math.round(streamMs / 1000),
      drainSeconds: Math.round(drainMs / 1000),
      perTarget: result.perTarget,
      lost: result.lost,
      doubled: result.doubled,
      strays: result.strays,
      unreadableSolidCopies: census.unreadableSolid,
      faults: injected,
      unplannedExits: stack.unplannedExits,
      maxDelay: { lagSecondsPerNetwork: watch.maxLagSeconds, translatorLag: watch.maxTranslatorLag, deliveryMsPerTarget: delayed.maxDeliveryMs, statusSamples: watch.samples },
      statusDuringOutages: watch.outageEvidence,
      delayed: delayed.perTarget,
      deadLetters: final.deadLetters,
      totalSeconds: Math.round((Date.now() - tStart) / 1000),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

    const checks: [string, boolean, string][] = [
      ['faults:every-fault-injected', injected.length === plan.length && injected.every((f) => !f.error), injected.filter((f) => f.error).map((f) => `${f.fault}: ${f.error}`).join('; ') || `${injected.length}/${plan.length}`],
      ['faults:no-loss', result.lost === 0, `${result.lost} copies missing: ${describe(result, 'missingSeqs')}`],
      ['faults:no-duplicate', result.doubled === 0, `${result.doubled} doubled: ${describe(result, 'doubledSeqs')}`],
      ['faults:status-shows-delays', watch.outageEvidence.length > 0 && Object.keys(delayed.perTarget).length > 0, `failures seen during outages for ${watch.outageEvidence.map((e) => e.network).join(', ') || 'no network'}; retried deliveries for ${Object.keys(delayed.perTarget).join(', ') || 'no target'}`],
      ['faults:no-dead-letters', final.deadLetters.total === 0, `${final.deadLetters.total} dead letters: ${final.deadLetters.recent.map((d) => d.reason).slice(0, 3).join('; ')}`],
    ];
    for (const [id, ok, why] of checks) process.stdout.write(ok ? `PASS ${id}\n` : `FAIL ${id}: ${why}\n`);
    const failed = checks.filter(([, ok]) => !ok).length;
    process.stdout.write(`${checks.length - failed} passed, ${failed} failed\n`);
    return failed ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

/** What keeps the bridge from being quiet, for the log when the settle time runs out. */
function busyParts(s: BridgeStatus): string[] {
  const out: string[] = [];
  if (s.consumerLag.translator !== 0) out.push(`translator lag ${s.consumerLag.translator}`);
  if (s.events.held > 0) out.push(`${s.events.held} events held`);
  for (const [network, n] of Object.entries(s.networks)) {
    const parts = [['backlog', n.outboundBacklog ?? 0], ['queued', n.deliveries.queued ?? 0], ['failed', n.deliveries.failed ?? 0]].filter(([, v]) => Number(v) > 0);
    if (parts.length) out.push(`${network} ${parts.map(([k, v]) => `${k} ${v}`).join(' ')}`);
  }
  return out;
}

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function describe(v: Verdict, field: 'missingSeqs' | 'doubledSeqs'): string {
  return Object.entries(v.perTarget)
    .filter(([, t]) => t[field].length)
    .map(([n, t]) => `${n} e.g. #${t[field].join(' #')}`)
    .join('; ');
}

const opts = parseArgs(process.argv.slice(2));
main(opts).then(
  (code) => process.exit(code),
  (err) => {
    process.stdout.write(`FAIL faults:run: ${errorMessage(err)}\n0 passed, 1 failed\n`);
    process.exit(1);
  },
);
