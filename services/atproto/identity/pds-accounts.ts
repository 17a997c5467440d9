import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DeliveryError } from '../../../libs/adapter/index.js';
import type { KeyStore } from '../../../libs/store/index.js';
import { npubEncode } from 'nostr-tools/nip19';
import { createLogger } from '../../../libs/observability/index.js';
import { bridgedHandle, type HandleSource } from './handles.js';
import { newRotationKey, signOperation, type PlcOperation } from './plc-operations.js';
import { SECRET, type SessionPool } from './session-pool.js';
import { xrpcJson } from '../publish/xrpc-http.js';

export interface PdsAccountsOptions {
  ds: DataSource;
  keys: KeyStore;
  sessions: SessionPool;
  pdsUrl: string;
  /** PDS admin password (invite codes); without it, only a PDS that needs no invites works. */
  adminPassword: string | null;
  /** With its leading dot; null: the PDS's first available user domain. */
  handleDomain: string | null;
  /** PLC directory: the DID's `alsoKnownAs` is updated there with our rotation key. */
  plcUrl: string;
}

const log = createLogger('atproto-accounts');
/** key_material purpose of the per-identity PLC rotation key (the genesis op's first rotation key). */
export const ROTATION_KEY = 'atproto.rotation';

export interface BridgedAccount {
  identityId: string;
  did: string;
  handle: string;
}

/**
 * Bridged accounts on the PDS the bridge operates: one per Pontis account, created with
 * com.atproto.server.createAccount and an admin-minted invite code, a random password kept
 * encrypted, and the session cached (SessionPool). Idempotent: the identity row is created first
 * (native id `pending:…`) under an advisory lock, so a crash after createAccount is healed by
 * logging in with the stored password on the next call.
 */
export class PdsAccounts {
  private domain?: Promise<{ domain: string; inviteRequired: boolean }>;

  constructor(private readonly o: PdsAccountsOptions) {}

  /** The account's bridged identity, created on the PDS when missing. */
  async provision(accountId: string): Promise<BridgedAccount> {
    const row = await this.ensureRow(accountId);
    if (row.did) return { identityId: row.identityId, did: row.did, handle: row.handle };
    return this.createOnPds(row.identityId, row.source, row.handle);
  }

  /** Our bridged identities' DIDs (echo prevention: their records are our own copies). */
  async bridgedDids(): Promise<string[]> {
    const rows: { native_id: string }[] = await this.o.ds.query(`SELECT native_id FROM identities WHERE network = 'atproto' AND kind = 'bridged' AND native_id LIKE 'did:%'`);
    return rows.map((r) => r.native_id);
  }

  /** Deactivates the account on the PDS (opt-out, account deletion): its repo stops serving, its DID stays ours. */
  async deactivate(identityId: string, did: string): Promise<void> {
    const agent = await this.o.sessions.agentFor({ identityId, did, service: this.o.pdsUrl });
    await agent.com.atproto.server.deactivateAccount({});
  }

  /** The handle domain and whether accounts need an invite (also read by the bot account, bot/bluesky-bot.ts). */
  async serverInfo(): Promise<{ domain: string; inviteRequired: boolean }> {
    this.domain ??= xrpcJson<{ availableUserDomains: string[]; inviteCodeRequired?: boolean }>(this.o.pdsUrl, 'com.atproto.server.describeServer').then((d) => {
      const domain = this.o.handleDomain ?? d.availableUserDomains[0];
      if (!domain) throw new Error('the PDS offers no handle domain');
      if (!d.availableUserDomains.includes(domain)) throw new Error(`handle domain ${domain} is not one of the PDS's (${d.availableUserDomains.join(', ')})`);
      return { domain, inviteRequired: d.inviteCodeRequired ?? false };
    });
    this.domain.catch(() => (this.domain = undefined));
    return this.domain;
  }

  private async ensureRow(accountId: string): Promise<{ identityId: string; did?: string; handle: string; source: HandleSource }> {
    const { domain } = await this.serverInfo();
    return this.o.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pontis.atproto.provision:${accountId}`]);
      const sources: { network: string; native_id: string; handle: string | null }[] = await m.query(
        `SELECT network, native_id, handle FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY created_at, id`,
        [accountId],
      );
      const s = sources.find((x) => x.network !== 'atproto');
      const source: HandleSource = s ? { network: s.network, nativeId: s.native_id, handle: s.handle } : { network: 'x', nativeId: accountId };
      const existing: { id: string; native_id: string; handle: string | null }[] = await m.query(
        `SELECT id, native_id, handle FROM identities WHERE account_id = $1 AND network = 'atproto' AND kind = 'bridged' ORDER BY created_at LIMIT 1`,
        [accountId],
      );
      if (existing[0]) {
        const e = existing[0];
        return { identityId: e.id, did: e.native_id.startsWith('did:') ? e.native_id : undefined, handle: e.handle ?? '', source };
      }
      if (!s) {
        const why = sources.length ? 'the account is on Bluesky already (native identity)' : 'the account has no original identity to name it after';
        throw new DeliveryError(`cannot provision an AT Protocol account for ${accountId}`, { kind: 'permanent', target: 'atproto provisioning', status: 'no-source', body: why });
      }
      const choice = bridgedHandle(source, domain);
      const taken: unknown[] = await m.query(`SELECT 1 FROM identities WHERE network = 'atproto' AND lower(handle) = $1`, [choice.handle]);
      const handle = taken.length ? choice.fallback : choice.handle;
      const [row]: { id: string }[] = await m.query(
        `INSERT INTO identities (account_id, network, native_id, handle, kind) VALUES ($1, 'atproto', $2, $3, 'bridged') RETURNING id`,
        [accountId, `pending:${randomUUID()}`, handle],
      );
      return { identityId: row!.id, handle, source };
    });
  }

  private async createOnPds(identityId: string, source: HandleSource, wanted: string): Promise<BridgedAccount> {
    const { domain, inviteRequired } = await this.serverInfo();
    let password = (await this.o.keys.get(identityId, SECRET.password))?.toString('utf8');
    if (!password) {
      password = randomBytes(24).toString('base64url');
      await this.o.keys.put(identityId, SECRET.password, password);
    }
    const email = `${identityId}@bridged.${domain.replace(/^\./, '')}`;
    let handle = wanted;
    for (let attempt = 0; ; attempt++) {
      const inviteCode = inviteRequired ? await this.inviteCode() : undefined;
      const recoveryKey = await this.rotationKey(identityId);
      const res = await fetch(`${this.o.pdsUrl}/xrpc/com.atproto.server.createAccount`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle, email, password, recoveryKey, ...(inviteCode ? { inviteCode } : {}) }),
        signal: AbortSignal.timeout(20_000),
      });
      const body = (await res.json().catch(() => ({}))) as { did?: string; handle?: string; accessJwt?: string; refreshJwt?: string; error?: string; message?: string };
      if (res.ok && body.did && body.accessJwt && body.refreshJwt) {
        await this.o.sessions.remember(identityId, { did: body.did, handle: body.handle ?? handle, accessJwt: body.accessJwt, refreshJwt: body.refreshJwt, active: true });
        const account = await this.settle(identityId, body.did, body.handle ?? handle);
        await this.pointAtOriginal(identityId, body.did, source).catch((err: Error) => log.warn('alsoKnownAs not updated', { did: body.did, err: err.message }));
        return account;
      }
      if (body.error === 'HandleNotAvailable' || /handle.*(taken|not available)/i.test(body.message ?? '')) {
        // Ours already (a crash after createAccount)? The stored password says so.
        const mine = await this.tryLogin(handle, password);
        if (mine) return this.settle(identityId, mine, handle);
        if (attempt === 0) {
          handle = bridgedHandle(source, domain).fallback;
          if (handle !== wanted) continue;
        }
      }
      throw DeliveryError.fromHttp(`${this.o.pdsUrl} createAccount`, res.status, `${body.error ?? ''} ${body.message ?? ''}`.trim());
    }
  }

  /** The identity's PLC rotation key (created once, kept encrypted); its did:key is the recoveryKey. */
  private async rotationKey(identityId: string): Promise<string> {
    const known = await this.o.keys.getPublicKey(identityId, ROTATION_KEY);
    if (known) return known;
    const k = newRotationKey();
    await this.o.keys.put(identityId, ROTATION_KEY, k.pkcs8, k.didKey);
    k.pkcs8.fill(0);
    return k.didKey;
  }

  /**
   * Adds the original's URI to the DID's `alsoKnownAs` (after `at://<handle>`, which stays first:
   * it is the handle), with a PLC update signed by our rotation key. Idempotent.
   */
  async pointAtOriginal(identityId: string, did: string, source: HandleSource): Promise<void> {
    const original = originalUri(source);
    if (!original) return;
    const audit = (await (await fetch(`${this.o.plcUrl}/${did}/log/audit`, { signal: AbortSignal.timeout(10_000) })).json()) as { cid: string; operation: PlcOperation }[];
    const last = audit.at(-1);
    if (!last || last.operation.type !== 'plc_operation') throw new Error(`no PLC operation to build on for ${did}`);
    if (last.operation.alsoKnownAs.includes(original)) return;
    const pkcs8 = await this.o.keys.get(identityId, ROTATION_KEY);
    if (!pkcs8) throw new Error('no rotation key stored');
    const { sig: _sig, ...prevOp } = last.operation;
    const op = signOperation({ ...prevOp, alsoKnownAs: [...prevOp.alsoKnownAs, original], prev: last.cid }, pkcs8);
    pkcs8.fill(0);
    const res = await fetch(`${this.o.plcUrl}/${did}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`PLC refused the update: ${res.status} ${(await res.text()).slice(0, 200)}`);
  }

  private async tryLogin(handle: string, password: string): Promise<string | undefined> {
    const res = await fetch(`${this.o.pdsUrl}/xrpc/com.atproto.server.createSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: handle, password }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return undefined;
    return ((await res.json()) as { did?: string }).did;
  }

  private async settle(identityId: string, did: string, handle: string): Promise<BridgedAccount> {
    await this.o.ds.query(`UPDATE identities SET native_id = $2, handle = $3, verified_at = now() WHERE id = $1`, [identityId, did, handle]);
    return { identityId, did, handle };
  }

  async inviteCode(): Promise<string> {
    if (!this.o.adminPassword) throw new DeliveryError('the PDS requires invite codes and no admin password is configured (PONTIS_ATPROTO_PDS_ADMIN_PASSWORD)', { kind: 'permanent', target: this.o.pdsUrl, status: 'no-admin' });
    const res = await fetch(`${this.o.pdsUrl}/xrpc/com.atproto.server.createInviteCode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`admin:${this.o.adminPassword}`).toString('base64')}` },
      body: JSON.stringify({ useCount: 1 }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (!res.ok || !body.code) throw DeliveryError.fromHttp(`${this.o.pdsUrl} createInviteCode`, res.status, body.message);
    return body.code;
  }
}

/** The person's original identity as a URI (alsoKnownAs): an actor URL or WebID, or `nostr:npub…`. */
export function originalUri(source: HandleSource): string | undefined {
  if (source.network === 'nostr') return /^[0-9a-f]{64}$/.test(source.nativeId) ? `nostr:${npubEncode(source.nativeId)}` : undefined;
  return /^https:\/\//.test(source.nativeId) || /^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(source.nativeId) ? source.nativeId : undefined;
}
