import type { AddressInfo } from 'node:net';
import type { AtpAgent } from '@atproto/api';
import WebSocket, { WebSocketServer } from 'ws';
import { MemoryBus } from '../libs/bus/index.js';
import { TOPICS } from '../libs/events/index.js';
import { AtprotoPeer, type AtprotoAccount } from '../libs/harness/index.js';
import { getCursor, setCursor } from '../libs/store/index.js';
import { createTestStore, type TestStore } from '../libs/store/testing.js';
import { seedAccount, waitFor } from '../libs/testing/index.js';
import { FirehoseIngest } from '../services/atproto/ingest/firehose-ingest.js';
import { atprotoFirehoseEvents } from '../services/atproto/metrics.js';

export interface FirehoseBenchOptions {
  /** Commits written before the ingest starts (one post per commit, as the Bluesky app writes). */
  commits: number;
  accounts: number;
  /** Shares of the accounts the ingest watches, one pass each (1 = every commit verified and mapped). */
  watchedShares: number[];
}

export interface FirehosePass {
  watchedAccounts: number;
  /** Firehose frames the ingest got through (commits plus the accounts' identity/account events). */
  frames: number;
  seconds: number;
  framesPerSecond: number;
  eventsOnBus: number;
  ingestPeakRssMb: number;
}

export interface FirehoseBenchResult {
  commits: number;
  accounts: number;
  passes: FirehosePass[];
}

/**
 * The AT Protocol adapter's firehose ingest alone, on this process's one JS thread, against the
 * real dev-env PDS: a backlog of commits is written first, then a fresh ingest starts at cursor 0
 * and replays it (signatures, MST proofs and DID documents checked as in production; unwatched
 * repos filtered before verification). Timed from start until the cursor stops moving at the head.
 */
export async function benchFirehose(o: FirehoseBenchOptions): Promise<FirehoseBenchResult> {
  const peer = new AtprotoPeer();
  const info = await peer.start();
  try {
    const accounts: AtprotoAccount[] = [];
    const agents: AtpAgent[] = [];
    for (let i = 0; i < o.accounts; i++) {
      const handle = `bench${i}-${Date.now().toString(36)}.test`;
      accounts.push(await peer.createAccount({ handle, email: `${handle}@bench.example`, password: 'bench-password' }));
      agents.push(await peer.login(handle, 'bench-password'));
    }
    // The backlog: one writer per account, as many commits as asked.
    let next = 0;
    await Promise.all(
      agents.map(async (agent, i) => {
        for (let n = next++; n < o.commits; n = next++) {
          await agent.com.atproto.repo.createRecord({ repo: accounts[i]!.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: `bench post ${n} #pontis`, createdAt: new Date().toISOString() } });
        }
      }),
    );
    // The PDS paces its own replay; to time the ingest alone, its frames are captured once and
    // served again, as fast as the ingest reads them, by a local stand-in for a relay.
    const frames = await captureFrames(`${info.pdsUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos?cursor=0`);
    const relay = await serveFrames(frames);
    const passes: FirehosePass[] = [];
    try {
      for (const share of o.watchedShares) {
        const store = await createTestStore();
        try {
          const watched = accounts.slice(0, Math.round(o.accounts * share));
          for (const a of watched) await seedAccount(store.ds, [{ network: 'atproto', id: a.did, handle: a.handle, kind: 'native' }]);
          passes.push({ watchedAccounts: watched.length, ...(await replay(store, { ...info, service: relay.url }, frames.length)) });
        } finally {
          await store.drop();
        }
      }
    } finally {
      await relay.close();
    }
    return { commits: o.commits, accounts: o.accounts, passes };
  } finally {
    await peer.stop();
  }
}

async function replay(store: TestStore, info: { pdsUrl: string; plcUrl: string; service: string }, expected: number): Promise<Omit<FirehosePass, 'watchedAccounts'>> {
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
  });
  // From the first event the PDS kept: without a stored cursor the ingest would start at the head.
  await setCursor(store.ds, cursorName, '0');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const started = performance.now();
  await ingest.start();
  // Done when the ingest has accounted for every frame (its own counter, by outcome), then the
  // cursor is read to check it reached the head.
  const handled = async () => (await atprotoFirehoseEvents.get()).values.reduce((n, v) => n + v.value, 0);
  const before = await handled();
  let doneAt = started;
  await waitFor(
    async () => {
      if ((await handled()) - before < expected) return false;
      doneAt = performance.now();
      return true;
    },
    { what: 'the firehose backlog to be ingested', timeoutMs: 600_000, intervalMs: 10 },
  );
  await waitFor(async () => Number((await getCursor(store.ds, cursorName)) ?? -1) > 0, { what: 'the cursor to be saved', timeoutMs: 10_000 });
  const last = expected;
  const lastMoveAt = doneAt;
  clearInterval(sampler);
  await ingest.stop();
  await sub.stop();
  await bus.stop();
  const seconds = (lastMoveAt - started) / 1000;
  return { frames: last, seconds: Math.round(seconds * 100) / 100, framesPerSecond: Math.round(last / seconds), eventsOnBus, ingestPeakRssMb: Math.round(peakRss / 1048576) };
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

/** A subscribeRepos endpoint that sends the captured frames to whoever connects, then idles. */
async function serveFrames(frames: Buffer[]): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket) => {
    // Sent in slices, yielding between them, so the socket's own flow control applies.
    let i = 0;
    const pump = () => {
      while (i < frames.length && socket.bufferedAmount < 4 * 1024 * 1024) socket.send(frames[i++]!);
      if (i < frames.length) setTimeout(pump, 1);
    };
    pump();
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}
