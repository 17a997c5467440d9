import { verifyEvent } from 'nostr-tools/pure';
import type { BridgeEvent } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { toEvents, type NostrEvent } from '../../nostr/mapping/index.js';
import type { HistorySource, Original } from './history-source.js';

const log = createLogger('solid-archive-nostr');
const BATCH = 100;

/**
 * Past Nostr notes by id from the bridge's read relays (one REQ per batch: `ids` + `authors`, until
 * EOSE), signature-checked, normalized with the Nostr adapter's pure mapping. A relay that is down
 * or slow only costs its share: the others still answer.
 */
export class NostrHistory implements HistorySource {
  readonly network = 'nostr' as const;

  constructor(private readonly o: { relays: string[]; timeoutMs?: number }) {}

  async fetch(originals: Original[], authors: string[]): Promise<Map<string, BridgeEvent>> {
    const out = new Map<string, BridgeEvent>();
    const ids = originals.map((o) => o.nativeId).filter((id) => /^[0-9a-f]{64}$/.test(id));
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const found = new Map<string, NostrEvent>();
      await Promise.all(this.o.relays.map((r) => this.req(r, { ids: batch, authors }, found)));
      for (const ev of found.values()) {
        const post = toEvents(ev, {}).events.find((e) => e.type === 'post.created');
        if (post) out.set(ev.id, post);
      }
    }
    return out;
  }

  private req(relay: string, filter: Record<string, unknown>, into: Map<string, NostrEvent>): Promise<void> {
    return new Promise((resolve) => {
      let ws: WebSocket;
      const sub = `archive-${Math.random().toString(36).slice(2, 10)}`;
      const done = (why?: string) => {
        clearTimeout(timer);
        if (why) log.warn('relay did not finish the history query', { relay, why });
        try {
          ws?.close();
        } catch {
          // already closed
        }
        resolve();
      };
      const timer = setTimeout(() => done('timeout'), this.o.timeoutMs ?? 10_000);
      try {
        ws = new WebSocket(relay);
      } catch (err) {
        return done((err as Error).message);
      }
      ws.onopen = () => ws.send(JSON.stringify(['REQ', sub, filter]));
      ws.onerror = () => done('connection error');
      ws.onmessage = (m) => {
        let msg: unknown;
        try {
          msg = JSON.parse(String(m.data));
        } catch {
          return;
        }
        if (!Array.isArray(msg) || msg[1] !== sub) return;
        if (msg[0] === 'EOSE' || msg[0] === 'CLOSED') return done(msg[0] === 'CLOSED' ? `closed: ${String(msg[2])}` : undefined);
        if (msg[0] !== 'EVENT') return;
        // A copy through JSON: verifyEvent caches its verdict on the object it is given.
        const ev = JSON.parse(JSON.stringify(msg[2])) as NostrEvent;
        const wanted = (filter.ids as string[]).includes(ev.id) && (filter.authors as string[]).includes(ev.pubkey);
        if (wanted && verifyEvent(ev as Parameters<typeof verifyEvent>[0])) into.set(ev.id, ev);
      };
    });
  }
}
