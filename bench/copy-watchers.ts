/**
 * Where the latency bench sees a copy appear on each target network, and how:
 * - nostr: pushed, a REQ subscription on the relay (time = the EVENT frame's arrival);
 * - atproto: pushed, the PDS's own firehose (`subscribeRepos`, time = the frame's arrival);
 * - activitypub: the Fedify peer stamps each verified inbox delivery (`receivedAt`); polled every
 *   200 ms, but the time is the peer's own stamp, not the poll's;
 * - solid: pushed, a Solid Notifications WebSocketChannel2023 channel on each bridged pod's
 *   outbox (time = the `Add` notification's arrival); a listing every 10 s catches what a
 *   notification missed, counted apart (`foundByListing`).
 */
import type { ActivityPubPeer } from '../libs/harness/index.js';
import type { Network } from '../libs/events/index.js';
import { fetchT } from '../libs/harness/index.js';
import { subscriptionService } from '../services/solid/ingest/webhook-subscriber.js';
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
 * derives from the command id (services/solid/mapping/names.ts) to its post, so a member's URL
 * alone says which post arrived; a name not (yet) known is read once to find its marker.
 *
 * Pushed: a WebSocketChannel2023 channel per outbox (Solid Notifications; anonymous, the outboxes
 * being public), time = the `Add` notification's arrival. Listing every outbox every 200 ms, as
 * this watcher first did, kept the Solid server at 44% of a core with nobody posting (the idle
 * window of `npm run bench`), on the two cores Pontis and every peer share, and a listing costs
 * more the fuller the outbox. A pod that does not exist yet (its person's first copy creates it)
 * is asked again every second; once subscribed, the outbox is listed once, and then every 10 s
 * as a safety net whose finds are counted apart (`foundByListing`: a notification that never came).
 */
export function watchPods(outboxes: () => readonly string[], slugs: Map<string, { marker: string; source: Network }>, run: string, seen: Sighting): Watcher {
  const known = new Set<string>();
  const channels = new Map<string, WebSocket>();
  let stopped = false;
  const counts = { subscribed: 0, notifications: 0, foundByNotification: 0, foundByListing: 0, resourcesRead: 0, reconnects: 0 };

  const sighted = async (url: string, at: number): Promise<boolean> => {
    // A container, or an auxiliary resource: the Solid adapter gives each public copy its own ACL,
    // and the server notifies its creation too (an anonymous read of it would only be refused).
    if (known.has(url) || url.endsWith('/') || /\.(acl|meta)$/.test(url)) return false;
    const post = slugs.get(url.slice(url.lastIndexOf('/') + 1));
    if (post) {
      known.add(url);
      seen(post.marker, post.source, 'solid', at);
      return true;
    }
    try {
      const res = await fetchT(url, { headers: { accept: 'application/ld+json' } });
      counts.resourcesRead++;
      if (!res.ok) return false;
      known.add(url);
      for (const h of findMarkers(run, await res.text())) seen(h.marker, h.source, 'solid', at);
      return true;
    } catch {
      return false; // read again when the safety listing shows it
    }
  };
  const list = async (outbox: string) => {
    let urls: string[];
    try {
      urls = await anonList(outbox);
    } catch {
      return;
    }
    const at = Date.now();
    for (const url of urls) if (await sighted(url, at)) counts.foundByListing++;
  };
  const services = new Map<string, string>();
  /** The server's WebSocketChannel2023 service, from its storage description (as the Solid adapter finds its webhook one). */
  const service = async (outbox: string): Promise<string> => {
    const origin = new URL(outbox).origin;
    const known = services.get(origin);
    if (known) return known;
    const desc = await fetchT(new URL('/.well-known/solid', origin), { headers: { accept: 'application/ld+json' } });
    const found = desc.ok ? subscriptionService(await desc.json(), 'WebSocketChannel2023') : undefined;
    if (!found) throw new Error(`${origin} describes no WebSocketChannel2023 service`);
    services.set(origin, found);
    return found;
  };
  const subscribe = async (outbox: string): Promise<void> => {
    const res = await fetchT(await service(outbox), {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json' },
      body: JSON.stringify({ '@context': ['https://www.w3.org/ns/solid/notification/v1'], type: 'http://www.w3.org/ns/solid/notifications#WebSocketChannel2023', topic: outbox }),
    });
    if (!res.ok) throw new Error(`subscription ${res.status}`);
    const { receiveFrom } = (await res.json()) as { receiveFrom?: string };
    if (!receiveFrom) throw new Error('subscription names no receiveFrom');
    const ws = new WebSocket(receiveFrom);
    ws.onmessage = (m) => {
      const at = Date.now();
      counts.notifications++;
      let n: { type?: string; object?: string };
      try {
        n = JSON.parse(String(m.data)) as typeof n;
      } catch {
        return;
      }
      if ((n.type === 'Add' || n.type === 'Create' || n.type === 'Update') && typeof n.object === 'string')
        void sighted(n.object, at).then((found) => found && counts.foundByNotification++);
    };
    ws.onclose = () => {
      if (channels.get(outbox) !== ws || stopped) return;
      channels.delete(outbox); // the loop below subscribes again
      counts.reconnects++;
    };
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('cannot open the notification socket'));
    });
    if (stopped) return ws.close();
    channels.set(outbox, ws);
    counts.subscribed++;
  };

  void (async () => {
    let lastListing = 0;
    while (!stopped) {
      for (const outbox of outboxes()) {
        if (stopped || channels.has(outbox)) continue;
        try {
          await subscribe(outbox);
          await list(outbox); // what was written before the channel opened
        } catch {
          // no pod there yet, or the server is busy: asked again on the next round
        }
      }
      if (Date.now() - lastListing >= 10_000) {
        lastListing = Date.now();
        for (const outbox of channels.keys()) if (!stopped) await list(outbox);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  return {
    stop: () => {
      stopped = true;
      for (const ws of channels.values()) ws.close();
    },
    stats: () => ({ ...counts }),
  };
}
