/**
 * One WebSocket to one relay, kept open: REQ on open, reconnect with exponential backoff
 * (libs/bus retryDelay) when the relay drops us, errors or stops answering, re-REQ when the
 * watch list changes. Frames are parsed here; everything about trust (verification, filter
 * match, dedupe) and cursors is the caller's.
 *
 * Raw WebSocket (Node 24's global, undici) rather than nostr-tools' `Relay`: that class verifies
 * with its own verifier and silently drops failures (we must count them by reason), swallows
 * CLOSED reasons into callbacks per subscription, and has its own reconnect policy; we need the
 * backoff shared with the bus, a REQ generation per (re)subscribe so stale events are told apart,
 * and EOSE ordered with events for the cursor rule. NIP-01 framing is a few lines.
 */
import { DEFAULT_BACKOFF, retryDelay, sleep, type BackoffPolicy } from '../../../libs/bus/backoff.js';
import type { Logger } from '../../../libs/observability/index.js';
import { CONNECT_TIMEOUT_MS, MAX_FRAME_CHARS, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, STABLE_CONNECTION_MS } from './constants.js';
import type { SubSpec } from './watch-list.js';

export interface RelayHandlers {
  /** REQs of `generation` were sent (a new connection, or a new watch list). */
  onSubscribed(generation: number, specs: readonly SubSpec[]): void;
  onEvent(key: string, generation: number, raw: unknown): void;
  onEose(key: string, generation: number): void;
  onConnection(connected: boolean): void;
  /** A frame that is not a NIP-01 message we can read. */
  onMalformedFrame(detail: string): void;
}

export interface RelaySubscriptionOptions {
  url: string;
  /** The REQs to send, computed when they are sent (so `since` comes from the cursor of that moment). */
  specs: () => SubSpec[];
  handlers: RelayHandlers;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** Probe period; tests shorten it. */
  probeIntervalMs?: number;
  /** Dials the relay; a relay found in someone's relay list dials through the AddressGuard (pinned addresses). */
  open?: (url: string) => WebSocket;
}

/** NIP-01 machine-readable prefixes after which asking again can help. */
const RETRYABLE_CLOSED = /^(rate-limited|error):/;
const PROBE_FILTER = { ids: ['0'.repeat(64)], limit: 1 };
const MAX_NOTICES_LOGGED = 10;

export class RelaySubscription {
  readonly url: string;
  private ws: WebSocket | undefined;
  private open = false;
  private generation = 0;
  private stopped = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private attempt = 0;
  private specsByKey = new Map<string, SubSpec>();

  constructor(private readonly opts: RelaySubscriptionOptions) {
    this.url = opts.url;
  }

  get connected(): boolean {
    return this.open;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    this.ws?.close();
    // A peer that never completes the close handshake must not hold up shutdown.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer);
  }

  /** Closes the socket and stays away until resume() (backpressure: the caller's queue is full). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.ws?.close();
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  /** New watch list: replace the REQs on the open connection (a closed one sends them on reconnect). */
  resubscribe(): void {
    const ws = this.ws;
    if (!ws || !this.open) return;
    for (const key of this.specsByKey.keys()) this.send(ws, ['CLOSE', `${key}:${this.generation}`]);
    this.subscribe(ws);
  }

  private subscribe(ws: WebSocket): void {
    const specs = this.opts.specs();
    this.generation++;
    this.specsByKey = new Map(specs.map((s) => [s.key, s]));
    this.opts.handlers.onSubscribed(this.generation, specs);
    for (const s of specs) this.send(ws, ['REQ', `${s.key}:${this.generation}`, s.filter]);
  }

  private send(ws: WebSocket, msg: unknown[]): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.paused) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const since = Date.now();
      const reason = await this.connectOnce();
      if (this.stopped) break;
      this.attempt = Date.now() - since >= STABLE_CONNECTION_MS ? 1 : this.attempt + 1;
      const delay = this.paused ? 0 : retryDelay(this.attempt, this.opts.backoff ?? DEFAULT_BACKOFF);
      this.opts.logger.warn('nostr relay connection lost; reconnecting', { relay: this.url, reason, attempt: this.attempt, delayMs: delay });
      await sleep(delay, this.abort.signal);
    }
  }

  /** One connection, from dial to close; resolves with why it ended. */
  private connectOnce(): Promise<string> {
    return new Promise<string>((resolve) => {
      let ws: WebSocket;
      try {
        ws = this.opts.open ? this.opts.open(this.url) : new WebSocket(this.url);
      } catch (err) {
        return resolve(`cannot dial: ${(err as Error).message}`);
      }
      this.ws = ws;
      let ended = false;
      let notices = 0;
      let probeId = 0;
      let probeDeadline: NodeJS.Timeout | undefined;
      const timers: NodeJS.Timeout[] = [];
      const end = (why: string) => {
        if (ended) return;
        ended = true;
        for (const t of timers) clearTimeout(t); // clears intervals too (Node timers share one id space)
        clearTimeout(probeDeadline);
        if (this.ws === ws) this.ws = undefined;
        if (this.open) this.opts.handlers.onConnection(false);
        this.open = false;
        try {
          ws.close();
        } catch {
          // already closing
        }
        resolve(why);
      };
      // A close handshake with a vanished peer may never complete: do not wait for it.
      const hardClose = (why: string) => {
        ws.close();
        timers.push(setTimeout(() => end(why), 5_000));
      };
      timers.push(setTimeout(() => !this.open && end(`no connection within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS));

      ws.addEventListener('open', () => {
        if (this.stopped || this.paused) return end('stopping');
        this.open = true;
        this.opts.handlers.onConnection(true);
        this.subscribe(ws);
        // Half-open TCP (a relay host that vanished) never fires close: ask something cheap and expect an answer.
        const probe = setInterval(() => {
          const id = `probe:${++probeId}`;
          this.send(ws, ['REQ', id, PROBE_FILTER]);
          clearTimeout(probeDeadline);
          probeDeadline = setTimeout(() => hardClose(`no answer to ${id} within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS);
        }, this.opts.probeIntervalMs ?? PROBE_INTERVAL_MS);
        timers.push(probe);
      });
      ws.addEventListener('error', () => {
        // Always followed by 'close'; nothing useful in the event itself.
      });
      ws.addEventListener('close', (ev) => end(`closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`));
      ws.addEventListener('message', (ev) => {
        if (ended) return;
        const msg = parseFrame(ev.data);
        if (typeof msg === 'string') return this.opts.handlers.onMalformedFrame(msg);
        const [type, a, b] = msg;
        if (type === 'EVENT' || type === 'EOSE' || type === 'CLOSED') {
          if (typeof a !== 'string') return this.opts.handlers.onMalformedFrame(`${type} without a subscription id`);
          if (a.startsWith('probe:')) {
            if (type === 'EOSE' || type === 'CLOSED') clearTimeout(probeDeadline);
            if (type === 'EOSE') this.send(ws, ['CLOSE', a]);
            return;
          }
          const [key, gen] = splitSubId(a);
          if (gen !== this.generation || !this.specsByKey.has(key)) return; // an old REQ's tail: superseded
          if (type === 'EVENT') this.opts.handlers.onEvent(key, gen, b);
          else if (type === 'EOSE') this.opts.handlers.onEose(key, gen);
          else this.onClosed(ws, key, gen, String(b ?? ''));
        } else if (type === 'NOTICE') {
          if (notices++ < MAX_NOTICES_LOGGED) this.opts.logger.warn('nostr relay notice', { relay: this.url, notice: String(a).slice(0, 300) });
        } else if (type === 'AUTH') {
          // NIP-42: we do not authenticate for reading yet; a relay that requires it CLOSEs with auth-required.
        }
        // OK, COUNT and future message types: nothing to do for a reader.
      });
    });
  }

  /** NIP-01 CLOSED: the relay ended one REQ. Ask again later when the prefix says it may help. */
  private onClosed(ws: WebSocket, key: string, gen: number, message: string): void {
    const spec = this.specsByKey.get(key);
    const retry = RETRYABLE_CLOSED.test(message);
    this.opts.logger.warn('nostr relay closed a subscription', { relay: this.url, sub: key, message: message.slice(0, 300), retry });
    if (!retry || !spec) return;
    const t = setTimeout(() => {
      if (this.ws === ws && this.generation === gen) this.send(ws, ['REQ', `${key}:${gen}`, spec.filter]);
    }, retryDelay(2, this.opts.backoff ?? DEFAULT_BACKOFF));
    t.unref();
  }
}

function splitSubId(id: string): [string, number] {
  const i = id.lastIndexOf(':');
  return i < 0 ? [id, -1] : [id.slice(0, i), Number(id.slice(i + 1))];
}

/** A NIP-01 message array, or why not. */
export function parseFrame(data: unknown): unknown[] | string {
  if (typeof data !== 'string') return 'binary frame';
  if (data.length > MAX_FRAME_CHARS) return `frame longer than ${MAX_FRAME_CHARS} characters`;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return 'frame is not JSON';
  }
  if (!Array.isArray(v) || typeof v[0] !== 'string') return 'frame is not a NIP-01 message array';
  return v;
}
