/**
 * One reused WebSocket to one relay (Node's global WebSocket). Raw NIP-01 rather than nostr-tools'
 * Relay/SimplePool: we need each OK verdict with its prefix for classification, a NOTICE-proof
 * timeout per event, and reconnects on our own backoff schedule with fail-fast while the relay is
 * down (the outbound runner owns retries, so a publish must not block on reconnect loops).
 *
 * NIP-42: the relay's `["AUTH", challenge]` is kept; an event refused with `auth-required:` (or a
 * NIP-70 protected event, `["-"]`, while a challenge is known) is sent again after authenticating
 * as its author, with a kind 22242 the `authSigner` signs (we hold the bridged identities' keys).
 * A connection may carry several authenticated pubkeys; all are forgotten when it closes.
 */
import { retryDelay, type BackoffPolicy } from '../../../libs/bus/backoff.js';
import type { NostrEvent, NostrTemplate } from '../mapping/index.js';
import { classifyOk, type RelayResult } from './relay-result.js';

export interface NostrFilter {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  limit?: number;
  [tag: `#${string}`]: string[] | undefined;
}

/** Signs a NIP-42 auth event as `pubkey`, or undefined when we do not hold that key. */
export type AuthSigner = (pubkey: string, template: NostrTemplate) => Promise<NostrEvent | undefined>;

export interface RelayConnectionOptions {
  connectTimeoutMs: number;
  backoff: BackoffPolicy;
  authSigner?: AuthSigner;
  /** Dials the relay (default: a plain WebSocket); other people's relays dial through the AddressGuard. */
  open?: (url: string) => WebSocket;
}

const AUTH_KIND = 22242;
/** How long to wait for a challenge a relay has not sent yet (relays send it on connect). */
const CHALLENGE_WAIT_MS = 1_000;

export function isProtected(event: Pick<NostrEvent, 'tags'>): boolean {
  return event.tags.some((t) => t.length === 1 && t[0] === '-');
}

interface PendingOk {
  resolve: (r: RelayResult) => void;
  timer: NodeJS.Timeout;
}
interface PendingReq {
  events: NostrEvent[];
  resolve: (events: NostrEvent[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class RelayConnection {
  private ws?: WebSocket;
  private opening?: Promise<WebSocket>;
  private failures = 0;
  private nextConnectAt = 0;
  private readonly oks = new Map<string, PendingOk[]>();
  private readonly reqs = new Map<string, PendingReq>();
  private seq = 0;
  private closed = false;
  /** NIP-42 state of the current socket. */
  private challenge?: string;
  private challengeWaiters: (() => void)[] = [];
  private readonly authed = new Set<string>();
  private readonly authing = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly url: string,
    private readonly opts: RelayConnectionOptions,
  ) {}

  /** Never throws: a relay that is down, slow or refusing gives a result saying so. */
  async publish(event: NostrEvent, timeoutMs: number): Promise<RelayResult> {
    const signer = this.opts.authSigner;
    if (signer && isProtected(event) && this.challenge && !this.authed.has(event.pubkey)) await this.authenticate(event.pubkey, timeoutMs);
    const first = await this.sendEvent(event, timeoutMs);
    if (!signer || first.outcome !== 'permanent' || !/^auth-required:/.test(first.message.trim()) || this.authed.has(event.pubkey)) return first;
    const failed = await this.authenticate(event.pubkey, timeoutMs);
    if (failed !== undefined) return { ...first, message: `${first.message} (NIP-42: ${failed})` };
    return this.sendEvent(event, timeoutMs);
  }

  /** NIP-42 as `pubkey`: undefined on success, else why not. One attempt at a time per pubkey. */
  private authenticate(pubkey: string, timeoutMs: number): Promise<string | undefined> {
    let running = this.authing.get(pubkey);
    if (!running) {
      running = this.runAuth(pubkey, timeoutMs).finally(() => this.authing.delete(pubkey));
      this.authing.set(pubkey, running);
    }
    return running;
  }

  private async runAuth(pubkey: string, timeoutMs: number): Promise<string | undefined> {
    if (!this.challenge) await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CHALLENGE_WAIT_MS);
      this.challengeWaiters.push(() => (clearTimeout(timer), resolve()));
    });
    const challenge = this.challenge;
    if (!challenge) return 'the relay sent no challenge';
    const auth = await this.opts.authSigner!(pubkey, {
      kind: AUTH_KIND,
      created_at: Math.floor(Date.now() / 1000),
      tags: [['relay', this.url], ['challenge', challenge]],
      content: '',
    });
    if (!auth) return 'we do not hold this key';
    const verdict = await this.sendFrame(['AUTH', auth], auth.id, timeoutMs);
    if (verdict.outcome !== 'accepted' && verdict.outcome !== 'duplicate') return `authentication refused: ${verdict.message}`;
    this.authed.add(pubkey);
    return undefined;
  }

  private sendEvent(event: NostrEvent, timeoutMs: number): Promise<RelayResult> {
    return this.sendFrame(['EVENT', event], event.id, timeoutMs);
  }

  /** Sends a frame the relay answers with `["OK", id, …]` and waits for that answer. */
  private async sendFrame(frame: unknown[], id: string, timeoutMs: number): Promise<RelayResult> {
    let ws: WebSocket;
    try {
      ws = await this.open();
    } catch (err) {
      return { relay: this.url, outcome: 'transient', message: `not connected: ${(err as Error).message}` };
    }
    return new Promise<RelayResult>((resolve) => {
      const list = this.oks.get(id) ?? [];
      const entry: PendingOk = {
        resolve: (r) => {
          clearTimeout(entry.timer);
          resolve(r);
        },
        timer: setTimeout(() => {
          this.removeOk(id, entry);
          resolve({ relay: this.url, outcome: 'transient', message: `no OK within ${timeoutMs} ms` });
        }, timeoutMs),
      };
      list.push(entry);
      this.oks.set(id, list);
      ws.send(JSON.stringify(frame));
    });
  }

  /** Stored events matching the filter, up to EOSE. Throws on timeout or a closed subscription. */
  async query(filter: NostrFilter, timeoutMs: number): Promise<NostrEvent[]> {
    const ws = await this.open();
    const sub = `p${++this.seq}`;
    return new Promise<NostrEvent[]>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(entry.timer);
        this.reqs.delete(sub);
        fn();
      };
      const entry: PendingReq = {
        events: [],
        resolve: (events) => done(() => resolve(events)),
        reject: (err) => done(() => reject(err)),
        timer: setTimeout(() => {
          this.reqs.delete(sub);
          this.send(['CLOSE', sub]);
          reject(new Error(`${this.url}: no EOSE within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.reqs.set(sub, entry);
      ws.send(JSON.stringify(['REQ', sub, filter]));
    });
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
    this.dropAll('connection closed by us');
  }

  /** Reuses the open socket; while the relay is down, fails fast until the backoff delay has passed. */
  private open(): Promise<WebSocket> {
    if (this.closed) return Promise.reject(new Error('publisher closed'));
    if (this.ws?.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    if (this.opening) return this.opening;
    const wait = this.nextConnectAt - Date.now();
    if (wait > 0) return Promise.reject(new Error(`relay down, next reconnect in ${wait} ms`));
    this.opening = this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private connect(): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = this.opts.open ? this.opts.open(this.url) : new WebSocket(this.url);
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.failures++;
        this.nextConnectAt = Date.now() + retryDelay(this.failures, this.opts.backoff);
        try {
          ws.close();
        } catch {
          /* already closing */
        }
        reject(new Error(why));
      };
      const timer = setTimeout(() => fail(`connect timed out after ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs);
      ws.addEventListener('open', () => {
        if (settled) return ws.close();
        settled = true;
        clearTimeout(timer);
        this.failures = 0;
        this.nextConnectAt = 0;
        this.ws = ws;
        this.challenge = undefined;
        this.authed.clear();
        resolve(ws);
      });
      ws.addEventListener('error', () => {
        if (this.ws !== ws) fail('connect failed');
      });
      ws.addEventListener('close', () => {
        if (this.ws !== ws) return;
        this.ws = undefined;
        // Reconnect on next use, not at once: a relay that just went away is usually still away.
        this.nextConnectAt = Date.now() + retryDelay(1, this.opts.backoff);
        this.dropAll('disconnected');
      });
      ws.addEventListener('message', (m) => this.onMessage(String(m.data)));
    });
  }

  private onMessage(data: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!Array.isArray(msg)) return;
    const [type, a, b, c] = msg as [unknown, unknown, unknown, unknown];
    if (type === 'OK' && typeof a === 'string') {
      const list = this.oks.get(a);
      const first = list?.shift();
      if (list && !list.length) this.oks.delete(a);
      first?.resolve({ relay: this.url, outcome: classifyOk(b === true, String(c ?? '')), message: String(c ?? '') });
    } else if (type === 'EVENT' && typeof a === 'string') {
      const req = this.reqs.get(a);
      if (req && typeof b === 'object' && b !== null) req.events.push(b as NostrEvent);
    } else if (type === 'EOSE' && typeof a === 'string') {
      this.send(['CLOSE', a]);
      this.reqs.get(a)?.resolve(this.reqs.get(a)!.events);
    } else if (type === 'AUTH' && typeof a === 'string' && a.length <= 512) {
      this.challenge = a;
      for (const wake of this.challengeWaiters.splice(0)) wake();
    } else if (type === 'CLOSED' && typeof a === 'string') {
      this.reqs.get(a)?.reject(new Error(`${this.url} closed the subscription: ${String(b ?? '')}`));
    }
    // NOTICE names no event: a pending publish then ends by its timeout (transient).
  }

  private send(msg: unknown[]): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private removeOk(id: string, entry: PendingOk): void {
    const list = this.oks.get(id);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.oks.delete(id);
  }

  private dropAll(why: string): void {
    for (const list of this.oks.values()) for (const p of list) p.resolve({ relay: this.url, outcome: 'transient', message: why });
    this.oks.clear();
    for (const r of [...this.reqs.values()]) r.reject(new Error(`${this.url}: ${why}`));
    this.reqs.clear();
  }
}
