/**
 * Bluesky PLC directory + PDS from `@atproto/dev-env` (`TestNetworkNoAppView`, no AppView).
 *
 * Runs as a CHILD PROCESS: the PDS is ~500 MB of someone else's server with sqlite (native
 * addon) and global patches (dev-env's mockNetworkUtilities rewrites the PDS's identity
 * resolver); isolating it keeps the runner small, lets a scenario kill it, and gives an exact
 * RSS figure. Accounts, records and sessions are reached over XRPC from the parent, exactly as
 * an adapter would. Handles must end in `.test` (the PDS's service handle domain).
 */
import type { AtpAgent } from '@atproto/api';
import { childConfig, isMainModule, PeerChild, runAsChild, type ChildPeer } from '../child.js';
import { fetchT } from '../util.js';
import { requireInfo, ChildProcessPeer } from './peer.js';
import { pinnedFetch, type PinnedHost } from './pinned-hosts.js';

export interface AtprotoPeerInfo {
  /** e.g. http://localhost:PORT (no trailing slash) */
  pdsUrl: string;
  plcUrl: string;
  pdsDid: string;
  /** Handles on this PDS end with one of these, e.g. ".test". */
  handleDomains: string[];
  /** Value for an `Authorization` header with the PDS admin password (dev-env's fixed one). */
  adminAuthorization: string;
  /** The PDS admin password itself (for adapters configured with it, as an operator would). */
  adminPassword: string;
  /** Whether createAccount needs an invite code (the bridge mints them with admin auth). */
  inviteRequired: boolean;
}

export interface AtprotoAccount {
  did: string;
  handle: string;
  email: string;
  password: string;
  accessJwt: string;
  refreshJwt: string;
}

export interface AtprotoPeerOptions {
  startTimeoutMs?: number;
  /** Start the PDS with PDS_INVITE_REQUIRED (as a bridge operator's PDS would be). Default false. */
  inviteRequired?: boolean;
  /**
   * https names the PDS reaches on loopback (its OAuth provider fetching an OAuth client's
   * metadata: the client_id must be https on a public name). See pinned-hosts.ts.
   */
  pinnedHosts?: PinnedHost[];
}

interface ChildOptions {
  inviteRequired?: boolean;
  pinnedHosts?: PinnedHost[];
}

export class AtprotoPeer extends ChildProcessPeer<AtprotoPeerInfo> {
  readonly network = 'atproto' as const;
  protected readonly child: PeerChild<AtprotoPeerInfo>;

  constructor(opts: AtprotoPeerOptions = {}) {
    super();
    const config: ChildOptions = { inviteRequired: opts.inviteRequired ?? false, pinnedHosts: opts.pinnedHosts ?? [] };
    this.child = new PeerChild<AtprotoPeerInfo>({ name: 'atproto', moduleUrl: import.meta.url, startTimeoutMs: opts.startTimeoutMs ?? 60_000, config });
  }

  protected async probe(info: AtprotoPeerInfo): Promise<boolean> {
    const res = await fetchT(`${info.pdsUrl}/xrpc/_health`);
    const body = (await res.json()) as { version?: string };
    return res.ok && typeof body.version === 'string';
  }

  /** com.atproto.server.createInviteCode with admin auth (one use). */
  async createInviteCode(): Promise<string> {
    const { pdsUrl, adminAuthorization } = requireInfo(this);
    const res = await fetchT(`${pdsUrl}/xrpc/com.atproto.server.createInviteCode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: adminAuthorization },
      body: JSON.stringify({ useCount: 1 }),
    });
    const body = (await res.json()) as { code?: string; message?: string };
    if (!res.ok || !body.code) throw new Error(`createInviteCode: HTTP ${res.status} ${body.message ?? ''}`.trim());
    return body.code;
  }

  /** com.atproto.server.createAccount (with a fresh admin-minted invite code when the PDS requires one). */
  async createAccount(opts: { handle: string; email: string; password: string }): Promise<AtprotoAccount> {
    const { pdsUrl, inviteRequired } = requireInfo(this);
    const inviteCode = inviteRequired ? await this.createInviteCode() : undefined;
    const res = await fetchT(`${pdsUrl}/xrpc/com.atproto.server.createAccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...opts, ...(inviteCode ? { inviteCode } : {}) }),
      timeoutMs: 15_000,
    });
    const body = (await res.json()) as { did?: string; handle?: string; accessJwt?: string; refreshJwt?: string; message?: string; error?: string };
    if (!res.ok || !body.did || !body.accessJwt || !body.refreshJwt) {
      throw new Error(`createAccount ${opts.handle}: HTTP ${res.status} ${body.error ?? ''} ${body.message ?? ''}`.trim());
    }
    return { did: body.did, handle: body.handle ?? opts.handle, email: opts.email, password: opts.password, accessJwt: body.accessJwt, refreshJwt: body.refreshJwt };
  }

  /** An `AtpAgent` (from @atproto/api) logged in to this PDS. */
  async login(identifier: string, password: string): Promise<AtpAgent> {
    const { pdsUrl } = requireInfo(this);
    const { AtpAgent } = await import('@atproto/api');
    const agent = new AtpAgent({ service: pdsUrl });
    await agent.login({ identifier, password });
    return agent;
  }
}

// --- child half -------------------------------------------------------------------------------

async function startInChild(): Promise<ChildPeer<AtprotoPeerInfo>> {
  const opts = childConfig<ChildOptions>();
  // The PDS's fetch calls globalThis.fetch at request time, so this covers its OAuth provider's client metadata fetches.
  if (opts.pinnedHosts?.length) globalThis.fetch = pinnedFetch(opts.pinnedHosts, globalThis.fetch.bind(globalThis));
  const { TestNetworkNoAppView, ADMIN_PASSWORD } = await import('@atproto/dev-env');
  const net = await TestNetworkNoAppView.create({ pds: { inviteRequired: opts.inviteRequired ?? false } });
  return {
    info: {
      pdsUrl: String(net.pds.url).replace(/\/$/, ''),
      plcUrl: String(net.plc.url).replace(/\/$/, ''),
      pdsDid: net.pds.ctx.cfg.service.did,
      handleDomains: [...net.pds.ctx.cfg.identity.serviceHandleDomains],
      adminAuthorization: net.pds.adminAuth(),
      adminPassword: String(ADMIN_PASSWORD),
      inviteRequired: opts.inviteRequired ?? false,
    },
    stop: () => net.close(),
  };
}

if (isMainModule(import.meta.url)) runAsChild(startInChild);
