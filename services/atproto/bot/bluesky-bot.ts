/**
 * The bridge's Bluesky bot: an account on the PDS the bridge operates (handle
 * PONTIS_ATPROTO_BOT_HANDLE, default `bridge` + the handle domain), created once like bridged
 * accounts (admin invite, random password sealed in key_material under identity null, its DID kept
 * as the row's public key), with a profile that says how it works. It is not an identity of any
 * account: its own records are never bridged.
 *
 * A follow of the bot from any repo (verified by the firehose like every commit) opts that DID in
 * as a native identity; a block opts it out through optOut. Deleting the follow does not (like
 * Bridgy Fed: a firehose delete carries no subject, and unfollowing is not refusing). Bluesky DMs
 * live on Bluesky's chat service, not on a PDS, so this bot reads no messages.
 */
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../../libs/bus/index.js';
import { botProfileText, changeNativeConsent, intentOf } from '../../../libs/consent/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import { withAdvisoryLock, type KeyStore } from '../../../libs/store/index.js';
import type { PdsAccounts } from '../identity/pds-accounts.js';
import { COLLECTION } from '../mapping/index.js';

export const BOT_SECRET = 'atproto.bot.password';

export interface BlueskyBotOptions {
  ds: DataSource;
  bus: Bus;
  keys: KeyStore;
  pdsUrl: string;
  accounts: Pick<PdsAccounts, 'serverInfo' | 'inviteCode'>;
  /** PONTIS_ATPROTO_BOT_HANDLE; null: `bridge` + the PDS handle domain. */
  handle: string | null;
  publicUrl: string;
  optOutTag: string;
  /** The person's handle for the identity row (from their DID document); undefined is fine. */
  handleOf: (did: string) => Promise<string | undefined>;
  /** Someone opted in or out: reload whom the firehose ingest watches. */
  onConsentChange: () => void;
  logger?: Logger;
}

export class BlueskyBot {
  private readonly log: Logger;
  private account?: { did: string; handle: string };

  constructor(private readonly o: BlueskyBotOptions) {
    this.log = o.logger ?? createLogger('atproto-bot');
  }

  get did(): string {
    if (!this.account) throw new Error('BlueskyBot not started');
    return this.account.did;
  }

  get handle(): string | undefined {
    return this.account?.handle;
  }

  /** Creates the account once (every replica agrees under an advisory lock), then writes its profile. */
  async start(): Promise<void> {
    const { domain, inviteRequired } = await this.o.accounts.serverInfo();
    const handle = this.o.handle ?? `bridge${domain}`;
    const { did, password } = await withAdvisoryLock(this.o.ds, 'pontis.atproto.bot', async () => {
      let password = (await this.o.keys.get(null, BOT_SECRET))?.toString('utf8');
      let did = await this.o.keys.getPublicKey(null, BOT_SECRET);
      if (!password) {
        password = randomBytes(24).toString('base64url');
        await this.o.keys.put(null, BOT_SECRET, password);
      }
      if (!did) {
        // A crash after createAccount left the password without the DID: the login says whose it is.
        did = (await this.session(handle, password).catch(() => undefined))?.did ?? (await this.create(handle, password, domain, inviteRequired));
        await this.o.keys.put(null, BOT_SECRET, password, did);
      }
      return { did, password };
    });
    const session = await this.session(did, password);
    this.account = { did, handle: session.handle };
    const description = botProfileText({ publicUrl: this.o.publicUrl, tag: this.o.optOutTag, follow: 'Follow', block: 'Block', messages: false });
    await this.xrpc('com.atproto.repo.putRecord', session.accessJwt, {
      repo: did,
      collection: COLLECTION.profile,
      rkey: 'self',
      record: { $type: COLLECTION.profile, displayName: 'Pontis bridge', description },
    }).catch((err: Error) => this.log.warn('bot profile not written', { err: err.message }));
    this.log.info('bluesky bot ready', { did, handle: session.handle });
  }

  /** A verified follow or block of the bot by `did`. Never throws: the firehose goes on. */
  async onSignal(did: string, kind: 'follow' | 'block', seq: number): Promise<void> {
    try {
      const intent = intentOf({ kind }, 'atproto');
      if (!intent) return;
      const handle = intent === 'opt-in' ? await this.o.handleOf(did).catch(() => undefined) : undefined;
      const r = await changeNativeConsent(this.o.ds, this.o.bus, { network: 'atproto', nativeId: did, handle, intent, actor: 'bot:atproto', via: kind });
      this.log.info('consent from the bluesky bot', { did, signal: kind, seq, ...(r.ok ? { action: r.action, accountId: r.accountId } : { refused: r.reason }) });
      if (r.ok && r.action !== 'none') this.o.onConsentChange();
    } catch (err) {
      this.log.warn('bot signal failed', { did, signal: kind, seq, err: (err as Error).message });
    }
  }

  private async create(handle: string, password: string, domain: string, inviteRequired: boolean): Promise<string> {
    const inviteCode = inviteRequired ? await this.o.accounts.inviteCode() : undefined;
    const body = await this.xrpc<{ did: string }>('com.atproto.server.createAccount', undefined, {
      handle,
      email: `bot@bridged.${domain.replace(/^\./, '')}`,
      password,
      ...(inviteCode ? { inviteCode } : {}),
    });
    return body.did;
  }

  private session(identifier: string, password: string): Promise<{ did: string; handle: string; accessJwt: string }> {
    return this.xrpc('com.atproto.server.createSession', undefined, { identifier, password });
  }

  private async xrpc<T>(nsid: string, accessJwt: string | undefined, body: unknown): Promise<T> {
    const res = await fetch(`${this.o.pdsUrl}/xrpc/${nsid}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accessJwt ? { authorization: `Bearer ${accessJwt}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const json = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
    if (!res.ok) throw new Error(`${nsid} answered ${res.status} ${json.error ?? ''} ${json.message ?? ''}`.trim());
    return json;
  }
}
