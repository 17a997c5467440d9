/**
 * A real Nostr relay: `@nostr-relay/core` + `@nostr-relay/validator` +
 * `@nostr-relay/event-repository-sqlite` (in-memory SQLite) behind a `ws` WebSocketServer on
 * 127.0.0.1. The relay checks event ids and Schnorr signatures itself.
 *
 * Runs as a CHILD PROCESS: it is small (~80 MB), but better-sqlite3 is a native addon and a
 * native abort (see FIELD-NOTES: the ObjectWrap/GC assertion with mismatched headers) would
 * otherwise kill the whole runner; in a child it is one FAIL line and a test can also kill the
 * relay on purpose. `eventHandlingResultCacheTtl: 0` so a rejected event id is re-checked.
 *
 * The parent half also carries a tiny client (publish / query) used by health() and scenarios.
 */
import WebSocket from 'ws';
import { childConfig, isMainModule, PeerChild, runAsChild, type ChildPeer } from '../child.js';
import { requireInfo, ChildProcessPeer } from './peer.js';
import type { NostrEvent } from 'nostr-tools/core';

export interface NostrRelayPeerInfo {
  /** ws://127.0.0.1:PORT */
  url: string;
}

/** A Nostr event as it travels on the wire (NIP-01): nostr-tools' type, one definition everywhere. */
export type { NostrEvent };
export interface NostrFilter {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  since?: number;
  until?: number;
  limit?: number;
  [tag: `#${string}`]: string[] | undefined;
}

export interface PublishResult {
  accepted: boolean;
  message: string;
}

export interface NostrRelayPeerOptions {
  /** Keep events in `<dataDir>/relay.sqlite` (default: in memory). With `port`, the relay survives outage(). */
  dataDir?: string;
  port?: number;
  startTimeoutMs?: number;
}

export class NostrRelayPeer extends ChildProcessPeer<NostrRelayPeerInfo> {
  readonly network = 'nostr' as const;
  protected readonly child: PeerChild<NostrRelayPeerInfo>;

  constructor(private readonly opts: NostrRelayPeerOptions = {}) {
    super();
    this.child = new PeerChild<NostrRelayPeerInfo>({ name: 'nostr', moduleUrl: import.meta.url, startTimeoutMs: opts.startTimeoutMs ?? 30_000, config: opts });
  }

  override get restartable(): boolean {
    return !!this.opts.dataDir && !!this.opts.port;
  }

  /** Sends a REQ and expects EOSE. */
  protected async probe(info: NostrRelayPeerInfo): Promise<boolean> {
    await this.query({ kinds: [0], limit: 1 }, 5_000);
    return true;
  }

  /** Sends ["EVENT", ev] and resolves with the relay's OK verdict. */
  publish(event: NostrEvent, timeoutMs = 5_000): Promise<PublishResult> {
    const { url } = requireInfo(this);
    return withSocket(url, timeoutMs, 'publish', (ws, done) => {
      ws.on('message', (data) => {
        const msg = parse(data);
        if (msg?.[0] === 'OK' && msg[1] === event.id) done(null, { accepted: msg[2] === true, message: String(msg[3] ?? '') });
        else if (msg?.[0] === 'NOTICE') done(null, { accepted: false, message: `NOTICE ${String(msg[1])}` });
      });
      ws.send(JSON.stringify(['EVENT', event]));
    });
  }

  /** Sends a REQ and resolves with the stored events once the relay says EOSE. */
  query(filter: NostrFilter, timeoutMs = 5_000): Promise<NostrEvent[]> {
    const { url } = requireInfo(this);
    const subId = `q${Math.random().toString(36).slice(2, 10)}`;
    return withSocket(url, timeoutMs, 'query', (ws, done) => {
      const events: NostrEvent[] = [];
      ws.on('message', (data) => {
        const msg = parse(data);
        if (msg?.[0] === 'EVENT' && msg[1] === subId) events.push(msg[2] as NostrEvent);
        else if (msg?.[0] === 'EOSE' && msg[1] === subId) {
          ws.send(JSON.stringify(['CLOSE', subId]));
          done(null, events);
        } else if (msg?.[0] === 'CLOSED' && msg[1] === subId) done(new Error(`relay closed subscription: ${String(msg[2])}`));
        else if (msg?.[0] === 'NOTICE') done(new Error(`relay notice: ${String(msg[1])}`));
      });
      ws.send(JSON.stringify(['REQ', subId, filter]));
    });
  }
}

function parse(data: WebSocket.RawData): unknown[] | undefined {
  try {
    const v: unknown = JSON.parse(data.toString());
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Opens a socket, runs `body`, closes the socket when `done` is called or on timeout. */
function withSocket<T>(url: string, timeoutMs: number, what: string, body: (ws: WebSocket, done: (err: Error | null, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const ws = new WebSocket(url);
    let settled = false;
    const done = (err: Error | null, v?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.close();
      if (err) reject(err);
      else resolve(v as T);
    };
    const timer = setTimeout(() => done(new Error(`nostr ${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    ws.on('error', (err) => done(err));
    ws.on('close', () => done(new Error(`nostr ${what}: socket closed`)));
    ws.on('open', () => body(ws, done));
  });
}

// --- child half -------------------------------------------------------------------------------

async function startInChild(): Promise<ChildPeer<NostrRelayPeerInfo>> {
  const cfg = childConfig<NostrRelayPeerOptions>();
  const { NostrRelay } = await import('@nostr-relay/core');
  const { Validator } = await import('@nostr-relay/validator');
  const { EventRepositorySqlite } = await import('@nostr-relay/event-repository-sqlite');
  const { WebSocketServer } = await import('ws');

  const { join } = await import('node:path');
  const repository = new EventRepositorySqlite(cfg.dataDir ? join(cfg.dataDir, 'relay.sqlite') : ':memory:');
  await repository.init();
  // logLevel 2 = WARN (LogLevel from @nostr-relay/common, not a direct dependency).
  const relay = new NostrRelay(repository, { eventHandlingResultCacheTtl: 0, logLevel: 2 });
  const validator = new Validator();

  const wss = new WebSocketServer({ host: '127.0.0.1', port: cfg.port ?? 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('connection', (ws, req) => {
    relay.handleConnection(ws, req.socket.remoteAddress);
    ws.on('message', async (data) => {
      try {
        const message = await validator.validateIncomingMessage(data);
        const result = await relay.handleMessage(ws, message);
        // NIP-09: relays SHOULD keep serving deletion requests. @nostr-relay/core 0.0.40 applies a
        // kind 5 (deletes the targets) but neither stores nor broadcasts it, so no subscriber (the
        // bridge's ingest) would ever see one: store and broadcast it here.
        const [type, event] = message as [string, { kind?: number }];
        if (type === 'EVENT' && event?.kind === 5 && result && (result as { success?: boolean }).success) {
          await repository.upsert(event as Parameters<typeof repository.upsert>[0]);
          await relay.broadcast(event as Parameters<typeof relay.broadcast>[0]);
        }
      } catch (err) {
        ws.send(JSON.stringify(['NOTICE', `invalid: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`]));
      }
    });
    ws.on('close', () => relay.handleDisconnect(ws));
    ws.on('error', () => relay.handleDisconnect(ws));
  });
  const addr = wss.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  return {
    info: { url: `ws://127.0.0.1:${port}` },
    stop: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await relay.destroy();
      await repository.destroy();
    },
  };
}

if (isMainModule(import.meta.url)) runAsChild(startInChild);
