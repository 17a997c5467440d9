/**
 * Where the latency bench sees a copy appear on each target network, and how:
 * - nostr: pushed, a REQ subscription on the relay (time = the EVENT frame's arrival);
 * - atproto: pushed, the PDS's own firehose (`subscribeRepos`, time = the frame's arrival);
 * - activitypub: the Fedify peer stamps each verified inbox delivery (`receivedAt`); polled every
 *   200 ms, but the time is the peer's own stamp, not the poll's;
 * - solid: polled, the public listing of each bridged pod's outbox, one after the other (time =
 *   the listing that first shows the copy, so the figure includes up to one poll cycle; the cycle
 *   is reported).
 */
import type { ActivityPubPeer } from '../libs/harness/index.js';
import type { Network } from '../libs/events/index.js';
import { fetchT } from '../libs/harness/index.js';
import { anonList } from '../test/e2e/scenarios/solid.js';
import { findMarkers } from './latency-stats.js';
import { NostrSocket } from './nostr-socket.js';

export type Sighting = (marker: string, source: Network, on: Network, at: number) => void;

export interface Watcher {
  stop(): void | Promise<void>;
  /** What the watcher would like the report to say about itself (poll cycle, errors). */
  stats(): Record<string, number>;
}

export async function watchNostr(relayUrl: string, run: string, seen: Sighting): Promise<Watcher> {
  const socket = new NostrSocket(relayUrl);
  await socket.open();
  let events = 0;
  socket.subscribe('bench', { kinds: [1], since: Math.floor(Date.now() / 1000) - 5 }, (ev, at) => {
    events++;
    for (const h of findMarkers(run, ev.content)) seen(h.marker, h.source, 'nostr', at);
  });
  return { stop: () => socket.close(), stats: () => ({ events }) };
}

export async function watchFirehose(pdsUrl: string, run: string, seen: Sighting): Promise<Watcher> {
  const ws = new WebSocket(`${pdsUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`);
  ws.binaryType = 'arraybuffer';
  let frames = 0;
  // No CBOR decoding: a post's record block carries its text as plain UTF-8 bytes inside the
  // frame, and the marker is ASCII, so a byte search finds it at a fraction of the cost (this
  // process also drives the posting). A commit carries only the blocks it adds.
  ws.onmessage = (m) => {
    const at = Date.now();
    frames++;
    for (const h of findMarkers(run, Buffer.from(m.data as ArrayBuffer).toString('latin1'))) seen(h.marker, h.source, 'atproto', at);
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('cannot open the PDS firehose'));
  });
  return { stop: () => ws.close(), stats: () => ({ frames }) };
}

export function watchFediverse(ap: ActivityPubPeer, run: string, seen: Sighting): Watcher {
  let next = 0;
  let stopped = false;
  let polls = 0;
  void (async () => {
    while (!stopped) {
      try {
        const got = await ap.receivedSince(next);
        next = got.next;
        polls++;
        for (const a of got.activities) {
          if (a.type !== 'Create') continue;
          for (const h of findMarkers(run, JSON.stringify(a.json))) seen(h.marker, h.source, 'activitypub', Date.parse(a.receivedAt));
        }
      } catch {
        // the peer is busy or stopping: the next poll reads from the same position
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { stop: () => void (stopped = true), stats: () => ({ polls, activities: next }) };
}

/**
 * `outboxes`: the bridged pods' public outboxes. `slugs` maps a resource name the Solid adapter
 * derives from the command id (services/solid/mapping/names.ts) to its post, so a listing alone
 * says which post arrived; a name not (yet) known is read once to find its marker.
 */
export function watchPods(outboxes: () => readonly string[], slugs: Map<string, { marker: string; source: Network }>, run: string, seen: Sighting): Watcher {
  const known = new Set<string>();
  let stopped = false;
  let cycles = 0;
  let cycleMsSum = 0;
  let maxCycleMs = 0;
  let reads = 0;
  void (async () => {
    while (!stopped) {
      const t0 = Date.now();
      for (const outbox of outboxes()) {
        let urls: string[];
        try {
          urls = await anonList(outbox);
        } catch {
          continue;
        }
        const at = Date.now();
        for (const url of urls) {
          if (known.has(url)) continue;
          const slug = url.slice(url.lastIndexOf('/') + 1);
          const post = slugs.get(slug);
          if (post) {
            known.add(url);
            seen(post.marker, post.source, 'solid', at);
            continue;
          }
          try {
            const res = await fetchT(url, { headers: { accept: 'application/ld+json' } });
            reads++;
            if (!res.ok) continue;
            known.add(url);
            for (const h of findMarkers(run, await res.text())) seen(h.marker, h.source, 'solid', at);
          } catch {
            // read again on the next cycle
          }
        }
      }
      const ms = Date.now() - t0;
      cycles++;
      cycleMsSum += ms;
      maxCycleMs = Math.max(maxCycleMs, ms);
      if (ms < 200) await new Promise((r) => setTimeout(r, 200 - ms));
    }
  })();
  return { stop: () => void (stopped = true), stats: () => ({ cycles, meanCycleMs: cycles ? Math.round(cycleMsSum / cycles) : 0, maxCycleMs, resourcesRead: reads }) };
}
