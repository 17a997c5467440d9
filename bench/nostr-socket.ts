/**
 * One long-lived WebSocket to a Nostr relay for the latency bench: EVENT with its OK awaited, and
 * a REQ subscription. The harness's peer client opens a socket per call, which at hundreds of
 * posts/s would measure socket set-up rather than the relay.
 */
import type { NostrEvent } from '../libs/harness/index.js';

export class NostrSocket {
  private ws!: WebSocket;
  private readonly waiting = new Map<string, { resolve: (ok: { accepted: boolean; message: string }) => void; reject: (e: Error) => void }>();
  private readonly subs = new Map<string, (ev: NostrEvent, at: number) => void>();

  constructor(private readonly url: string) {}

  open(): Promise<void> {
    this.ws = new WebSocket(this.url);
    this.ws.onmessage = (m) => this.onMessage(String(m.data));
    this.ws.onclose = () => {
      for (const w of this.waiting.values()) w.reject(new Error('relay socket closed'));
      this.waiting.clear();
    };
    return new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error(`cannot open ${this.url}`));
    });
  }

  private onMessage(text: string): void {
    const at = Date.now();
    const msg = JSON.parse(text) as unknown[];
    if (msg[0] === 'OK') {
      const w = this.waiting.get(msg[1] as string);
      this.waiting.delete(msg[1] as string);
      w?.resolve({ accepted: msg[2] === true, message: String(msg[3] ?? '') });
    } else if (msg[0] === 'EVENT') this.subs.get(msg[1] as string)?.(msg[2] as NostrEvent, at);
  }

  /** Resolves with the relay's verdict (its OK message). */
  publish(ev: NostrEvent, timeoutMs = 30_000): Promise<{ accepted: boolean; message: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ev.id);
        reject(new Error('no OK from the relay'));
      }, timeoutMs);
      this.waiting.set(ev.id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify(['EVENT', ev]));
    });
  }

  subscribe(id: string, filter: Record<string, unknown>, onEvent: (ev: NostrEvent, at: number) => void): void {
    this.subs.set(id, onEvent);
    this.ws.send(JSON.stringify(['REQ', id, filter]));
  }

  close(): void {
    this.ws.close();
  }
}
