/**
 * The bridge's own Nostr relay: @nostr-relay/core (an implementation someone else wrote and keeps
 * to NIP-01) behind our WebSocket endpoint, with NIP-42 on and our write policy in front
 * (write-policy.ts). Plain class: the Nest module attaches it to the HTTP server.
 *
 * @nostr-relay/core keeps one authenticated pubkey per connection (the last AUTH); the bridge
 * authenticates as many identities over one connection, so the set is kept here from the AUTH
 * results the relay reports.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger, type Logger } from '../../libs/observability/index.js';
import type { NostrEvent } from '../nostr/mapping/index.js';
import { relayWrites } from './metrics.js';
import { mayPublish } from './write-policy.js';

export interface BridgeRelayOptions {
  /** Host name clients put in their NIP-42 `relay` tag (the public URL's host). */
  hostname: string;
  /** Path the relay answers on (WebSocket and NIP-11). */
  path: string;
  /** SQLite file for events (':memory:' in tests). */
  storage: string;
  /** Which of these pubkeys are bridged identities. */
  bridged: (pubkeys: string[]) => Promise<Set<string>>;
  /** NIP-11 document fields. */
  info: { name: string; description: string; contact?: string; software: string; version: string };
  logger?: Logger;
  maxMessageBytes?: number;
}

type RelayCore = {
  handleConnection(client: WebSocket, ip?: string): void;
  handleDisconnect(client: WebSocket): void;
  handleMessage(client: WebSocket, message: unknown): Promise<{ messageType: string; success?: boolean } | void>;
  broadcast(event: NostrEvent): Promise<void>;
  destroy(): Promise<void>;
};

export class BridgeRelay {
  private readonly log: Logger;
  private readonly wss: WebSocketServer;
  private relay?: RelayCore;
  private repository?: { upsert(event: NostrEvent): Promise<unknown>; destroy(): Promise<void> };
  private validator?: { validateIncomingMessage(data: unknown): Promise<unknown> };
  private readonly authenticated = new WeakMap<WebSocket, Set<string>>();

  constructor(private readonly o: BridgeRelayOptions) {
    this.log = o.logger ?? createLogger('nostr-relay');
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes ?? 256 * 1024 });
  }

  async start(): Promise<void> {
    const { NostrRelay } = await import('@nostr-relay/core');
    const { Validator } = await import('@nostr-relay/validator');
    const { EventRepositorySqlite } = await import('@nostr-relay/event-repository-sqlite');
    const repository = new EventRepositorySqlite(this.o.storage);
    await repository.init();
    this.repository = repository;
    // logLevel 2 = WARN. hostname turns NIP-42 on (a challenge on connect, AUTH checked against it).
    this.relay = new NostrRelay(repository, { hostname: this.o.hostname, logLevel: 2 }) as unknown as RelayCore;
    this.validator = new Validator();
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  /** Takes over WebSocket upgrades on `path` and answers NIP-11 requests there. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== this.o.path) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
  }

  /** NIP-11 relay information document. */
  infoDocument(): Record<string, unknown> {
    return {
      name: this.o.info.name,
      description: this.o.info.description,
      ...(this.o.info.contact ? { contact: this.o.info.contact } : {}),
      supported_nips: [1, 9, 11, 42, 65, 70],
      software: this.o.info.software,
      version: this.o.info.version,
      limitation: { auth_required: false, restricted_writes: true, max_message_length: this.o.maxMessageBytes ?? 256 * 1024 },
    };
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await this.relay?.destroy();
    await this.repository?.destroy();
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const relay = this.relay!;
    this.authenticated.set(ws, new Set());
    relay.handleConnection(ws, req.socket.remoteAddress);
    ws.on('message', (data) => void this.onMessage(ws, data));
    ws.on('close', () => relay.handleDisconnect(ws));
    ws.on('error', () => relay.handleDisconnect(ws));
  }

  private async onMessage(ws: WebSocket, data: unknown): Promise<void> {
    let message: unknown;
    try {
      message = await this.validator!.validateIncomingMessage(data);
    } catch (err) {
      return ws.send(JSON.stringify(['NOTICE', `invalid: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`]));
    }
    const [type, payload] = message as [string, unknown];
    if (type === 'EVENT') {
      const event = payload as NostrEvent;
      const tagged = event.tags.filter((t) => t[0] === 'p' && /^[0-9a-f]{64}$/.test(t[1] ?? '')).map((t) => t[1]!).slice(0, 50);
      let verdict;
      try {
        const bridged = await this.o.bridged([event.pubkey, ...tagged]);
        verdict = mayPublish(event, { authenticated: this.authenticated.get(ws) ?? new Set(), isBridged: (pk) => bridged.has(pk) });
      } catch (err) {
        this.log.warn('bridged-identity lookup failed', { err: (err as Error).message });
        verdict = { ok: false as const, message: 'error: could not check who may publish here, try again later' };
      }
      relayWrites.inc({ outcome: verdict.ok ? 'accepted' : verdict.message.split(':')[0]! });
      if (!verdict.ok) return ws.send(JSON.stringify(['OK', event.id, false, verdict.message]));
    }
    const result = await this.relay!.handleMessage(ws, message);
    if (type === 'AUTH' && result && result.success) this.authenticated.get(ws)?.add((payload as NostrEvent).pubkey);
    // NIP-09: relays SHOULD keep serving deletion requests; @nostr-relay/core applies a kind 5 but
    // neither stores nor broadcasts it, so a reader would never learn of the deletion.
    if (type === 'EVENT' && (payload as NostrEvent).kind === 5 && result && result.success) {
      await this.repository!.upsert(payload as NostrEvent);
      await this.relay!.broadcast(payload as NostrEvent);
    }
  }
}
