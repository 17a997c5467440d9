import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AtpAgent } from '@atproto/api';
import { Frame } from '@atproto/xrpc-server';
import WebSocket from 'ws';
import { MemoryBus } from '../libs/bus/index.js';
import { TOPICS } from '../libs/events/index.js';
import { AtprotoPeer, type AtprotoAccount } from '../libs/harness/index.js';
import { getCursor, setCursor } from '../libs/store/index.js';
import { createTestStore, type TestStore } from '../libs/store/testing.js';
import { seedAccount, seededRandom, waitFor } from '../libs/testing/index.js';
import { DidSet } from '../services/atproto/ingest/did-set.js';
import { FirehoseIngest } from '../services/atproto/ingest/firehose-ingest.js';

export interface FirehoseBenchOptions {
  /** Commits written before the ingest starts (one post per commit, as the Bluesky app writes). */
  commits: number;
  accounts: number;
  /** Shares of the accounts the ingest watches (0 = every commit filtered out, 1 = every commit verified and mapped). */
  watchedShares: number[];
  /** Passes per share; best and median are reported (the machine is shared: figures are noisy). */
  runs: number;
  /** DIDs in the filter measurement. */
  filterDids: number;
}

export interface FirehosePass {
  /** Commits per second of wall time, from start at cursor 0 until the cursor is saved at the head. */
  commitsPerSecond: number;
  /**
   * Commits per CPU second of the ingest's thread (process.threadCpuUsage: user + system): what
   * one core does, whatever else the machine runs meanwhile.
   */
  commitsPerCpuSecond: number;
  seconds: number;
  /** CPU seconds the ingest's thread used. */
  cpuSeconds: number;
  /** Share of the wall time the ingest's event loop was busy (waiting for the core included). */
  loopBusy: number;
  eventsOnBus: number;
  peakRssMb: number;
}

export interface FirehoseShareResult {
  watchedShare: number;
  watchedAccounts: number;
  best: { commitsPerSecond: number; commitsPerCpuSecond: number };
  median: { commitsPerSecond: number; commitsPerCpuSecond: number };
  runs: FirehosePass[];
}

export interface DidFilterResult {
  dids: number;
  buildMs: number;
  /** Typed-array memory of the filter (process.memoryUsage().arrayBuffers before and after). */
  bytes: number;
  bytesPerDid: number;
  /** Build time in CPU of this thread (the wall figure includes waiting for a core). */
  buildCpuMs: number;
  /** Lookups of DIDs in the set / not in it, one thread, per second of wall time. */
  hitLookupsPerSecond: number;
  missLookupsPerSecond: number;
  /** CPU time per lookup, hits and misses together. */
  cpuNsPerLookup: number;
  falsePositives: number;
}

export interface FirehoseBenchResult {
  commits: number;
  frames: number;
  accounts: number;
  ingest: FirehoseShareResult[];
  filter: DidFilterResult;
}

/**
 * The AT Protocol adapter's firehose ingest against the real dev-env PDS: a backlog of commits is
 * written, the PDS's frames are captured from cursor 0 and served again by a stand-in relay on a
 * worker thread, as fast as they are read; then, per watched share and run, a fresh ingest on a
 * fresh schema starts at cursor 0 and is timed until its cursor is saved at the last frame.
 * Watched repos' commits are verified as in production (signature, MST proof, DID document),
 * mapped, put on the in-process bus and kept in Postgres; the others are filtered out by DID
 * before any of that. Then the DID filter alone at `filterDids` DIDs.
 */
export async function benchFirehose(o: FirehoseBenchOptions): Promise<FirehoseBenchResult> {
  const peer = new AtprotoPeer();
  const info = await peer.start();
  try {
    const accounts: AtprotoAccount[] = [];
    const agents: AtpAgent[] = [];
    const tag = Date.now().toString(36);
    for (let i = 0; i < o.accounts; i++) {
      const handle = `bench${i}-${tag}.test`;
      accounts.push(await peer.createAccount({ handle, email: `${handle}@bench.example`, password: 'bench-password' }));
      agents.push(await peer.login(handle, 'bench-password'));
    }
    let next = 0;
    await Promise.all(
      agents.map(async (agent, i) => {
        for (let n = next++; n < o.commits; n = next++) {
          await agent.com.atproto.repo.createRecord({ repo: accounts[i]!.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: `bench post ${n} #pontis`, createdAt: new Date().toISOString() } });
        }
      }),
    );
    const frames = await captureFrames(`${info.pdsUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos?cursor=0`);
    const { lastSeq, commits } = describeFrames(frames);
    const relay = await serveFrames(frames);
    const ingest: FirehoseShareResult[] = [];
    try {
      for (const share of o.watchedShares) {
        const watched = accounts.slice(0, Math.round(o.accounts * share));
        const runs: FirehosePass[] = [];
        for (let r = 0; r < o.runs; r++) {
          const store = await createTestStore();
          try {
            for (const a of watched) await seedAccount(store.ds, [{ network: 'atproto', id: a.did, handle: a.handle, kind: 'native' }]);
            runs.push(await replay(store, { ...info, service: relay.url }, lastSeq, commits));
          } finally {
            await store.drop();
          }
        }
        ingest.push({ watchedShare: share, watchedAccounts: watched.length, best: summarize(runs, (xs) => Math.max(...xs)), median: summarize(runs, median), runs });
      }
    } finally {
      await relay.close();
    }
    return { commits, frames: frames.length, accounts: o.accounts, ingest, filter: benchDidFilter(o.filterDids) };
  } finally {
    await peer.stop();
  }
}

async function replay(store: TestStore, info: { pdsUrl: string; plcUrl: string; service: string }, lastSeq: number, commits: number): Promise<FirehosePass> {
  const bus = new MemoryBus();
  await bus.start();
  await bus.ensureTopics([{ topic: TOPICS.events, partitions: 2 }]);
  let eventsOnBus = 0;
  const sub = await bus.subscribe({ groupId: 'bench', topics: [TOPICS.events], handleBatch: async (messages) => void (eventsOnBus += messages.length) });
  const cursorName = 'atproto.firehose:bench';
  const ingest = new FirehoseIngest({
    bus,
    ds: store.ds,
    service: info.service,
    plcUrl: info.plcUrl,
    pdsUrl: info.pdsUrl,
    blobUrl: (did, cid) => `${info.pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`,
    cursorName,
    allowPrivateAddresses: true,
    // The backlog is written by a few accounts as fast as the PDS takes it: with fewer accounts or a
    // faster machine that is a flood by the per-repo limit, and skipped commits would cost nothing.
    floodLimit: null,
  });
  // From the first event the PDS kept: without a stored cursor the ingest would start at the head.
  await setCursor(store.ds, cursorName, '0');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const elu = performance.eventLoopUtilization();
  const cpu = process.threadCpuUsage();
  const started = performance.now();
  await ingest.start();
  // Timed until every frame is handled and its events are on the bus and kept; the cursor row
  // follows (at once after watched events, within a second over unwatched ones) and is checked.
  await waitFor(() => (ingest.position() ?? -1) >= lastSeq, { what: 'the firehose backlog to be ingested', timeoutMs: 600_000, intervalMs: 2 });
  const seconds = (performance.now() - started) / 1000;
  const busy = performance.eventLoopUtilization(elu);
  const used = process.threadCpuUsage(cpu);
  await waitFor(async () => Number(await getCursor(store.ds, cursorName)) >= lastSeq, { what: 'the cursor to be saved at the head', timeoutMs: 10_000 });
  clearInterval(sampler);
  await ingest.stop();
  await sub.stop();
  await bus.stop();
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    commitsPerSecond: Math.round(commits / seconds),
    commitsPerCpuSecond: Math.round(commits / cpuSeconds),
    seconds: Math.round(seconds * 1000) / 1000,
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    loopBusy: Math.round(busy.utilization * 100) / 100,
    eventsOnBus,
    peakRssMb: Math.round(peakRss / 1048576),
  };
}

/**
 * The watched-DID filter at full-network scale: `n` DIDs shaped like did:plc (24 base32
 * characters), built as the watch list builds it, then looked up: all of them, then as many
 * that are not in it (a false positive would show as a hit).
 */
export function benchDidFilter(n: number): DidFilterResult {
  const random = seededRandom(5);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const did = () => {
    let s = 'did:plc:';
    for (let i = 0; i < 24; i++) s += alphabet[Math.floor(random() * 32)];
    return s;
  };
  const inSet = Array.from({ length: n }, did);
  const notInSet = Array.from({ length: n }, () => `${did()}x`);
  const before = process.memoryUsage().arrayBuffers;
  let t = performance.now();
  let cpu = process.threadCpuUsage();
  const set = new DidSet(inSet, n);
  const buildMs = performance.now() - t;
  const buildCpu = process.threadCpuUsage(cpu);
  const bytes = process.memoryUsage().arrayBuffers - before;
  let hits = 0;
  cpu = process.threadCpuUsage();
  t = performance.now();
  for (const d of inSet) if (set.has(d)) hits++;
  const hitSeconds = (performance.now() - t) / 1000;
  let falsePositives = 0;
  t = performance.now();
  for (const d of notInSet) if (set.has(d)) falsePositives++;
  const missSeconds = (performance.now() - t) / 1000;
  const lookupCpu = process.threadCpuUsage(cpu);
  if (hits !== n || set.size !== n) throw new Error(`the filter lost DIDs: ${hits} of ${n} found, size ${set.size}`);
  return {
    dids: n,
    buildMs: Math.round(buildMs),
    buildCpuMs: Math.round((buildCpu.user + buildCpu.system) / 1000),
    bytes,
    bytesPerDid: Math.round((bytes / n) * 10) / 10,
    hitLookupsPerSecond: Math.round(n / hitSeconds),
    missLookupsPerSecond: Math.round(n / missSeconds),
    cpuNsPerLookup: Math.round(((lookupCpu.user + lookupCpu.system) * 1000) / (2 * n)),
    falsePositives,
  };
}

function summarize(runs: FirehosePass[], pick: (xs: number[]) => number): { commitsPerSecond: number; commitsPerCpuSecond: number } {
  return { commitsPerSecond: pick(runs.map((r) => r.commitsPerSecond)), commitsPerCpuSecond: pick(runs.map((r) => r.commitsPerCpuSecond)) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

/** The last seq, and how many frames are commits (the rest: identity, account, sync events). */
function describeFrames(frames: Buffer[]): { lastSeq: number; commits: number } {
  let lastSeq = -1;
  let commits = 0;
  for (const bytes of frames) {
    const frame = Frame.fromBytes(bytes);
    if (!frame.isMessage()) continue;
    const body = frame.body as { seq?: unknown };
    if (typeof body.seq === 'number') lastSeq = Math.max(lastSeq, body.seq);
    if ((frame.header as { t?: string }).t === '#commit') commits++;
  }
  if (lastSeq < 0) throw new Error('no firehose frames were captured');
  return { lastSeq, commits };
}

/** Every frame the PDS sends from cursor 0 until it has been quiet for 2 s (the backlog). */
async function captureFrames(url: string): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    let quiet: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(quiet);
      quiet = setTimeout(resolve, 2_000);
    };
    ws.on('open', settle);
    ws.on('message', (data: Buffer) => {
      frames.push(Buffer.from(data));
      settle();
    });
    ws.on('error', reject);
  });
  ws.close();
  return frames;
}

/** The stand-in relay (bench/firehose-relay-worker.ts) on a worker thread. */
async function serveFrames(frames: Buffer[]): Promise<{ url: string; close(): Promise<void> }> {
  const worker = new Worker(new URL('./firehose-relay-worker.js', import.meta.url), { workerData: { frames } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}
