import { Agent, AtpAgent, type AtpSessionData } from '@atproto/api';
import { TokenInvalidError, TokenRefreshError, TokenRevokedError, type OAuthSession } from '@atproto/oauth-client-node';
import type { KeyStore } from '../../../libs/store/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import { atprotoSessionLogins } from '../metrics.js';

/** key_material purposes of an AT Protocol identity's secrets. */
export const SECRET = {
  /** The account password (bridged accounts: ours, random) or an app password (linked accounts). */
  password: 'atproto.password',
  /** The current session (access + refresh JWT), so a restart does not log in again. */
  session: 'atproto.session',
} as const;

/** Neither a session nor a password to make one: only the person can fix it (link again). */
export class NoCredentialsError extends Error {
  constructor(did: string) {
    super(`no session and no password stored for ${did}`);
    this.name = 'NoCredentialsError';
  }
}

/** The session is gone for good (revoked, refresh refused, nothing stored): retrying will not help. */
export function isSessionGone(err: unknown): boolean {
  return err instanceof NoCredentialsError || err instanceof TokenRefreshError || err instanceof TokenRevokedError || err instanceof TokenInvalidError;
}

/** Where OAuth-linked accounts' sessions come from (identity/oauth). */
export interface OAuthSessionSource {
  has(did: string): Promise<boolean>;
  restore(did: string): Promise<OAuthSession>;
}

export interface SessionTarget {
  identityId: string;
  did: string;
  /** PDS of the account (ours for bridged accounts; the person's for linked ones). */
  service: string;
}

/**
 * One logged-in agent per identity, kept in memory and its session in Postgres (encrypted). Bluesky
 * PDSs allow 30 createSession per 5 min and 300 a day per account (snarfed/bridgy#2106): a write
 * never logs in. The agent refreshes its access token with the refresh token by itself; only when
 * the stored session is unusable (revoked, expired refresh token) do we log in again.
 * An account linked with OAuth is written with its OAuth session instead (DPoP-bound tokens,
 * refreshed by the OAuth client under a Postgres lock).
 */
export class SessionPool {
  private readonly agents = new Map<string, Promise<Agent>>();
  private oauth?: OAuthSessionSource;
  private readonly log: Logger;

  constructor(
    private readonly keys: KeyStore,
    opts: { logger?: Logger } = {},
  ) {
    this.log = opts.logger ?? createLogger('atproto-sessions');
  }

  /** Set once the OAuth client is ready (it is made asynchronously, after the pool). */
  useOAuth(source: OAuthSessionSource): void {
    this.oauth = source;
    this.agents.clear();
  }

  agentFor(t: SessionTarget): Promise<Agent> {
    let p = this.agents.get(t.identityId);
    if (!p) {
      p = this.open(t);
      this.agents.set(t.identityId, p);
      p.catch(() => this.agents.delete(t.identityId));
    }
    return p;
  }

  /** Forget the cached agent (after the PDS said its session is gone). */
  drop(identityId: string): void {
    this.agents.delete(identityId);
  }

  /** Store a session obtained elsewhere (createAccount returns one). */
  async remember(identityId: string, session: AtpSessionData): Promise<void> {
    await this.keys.put(identityId, SECRET.session, JSON.stringify(session));
  }

  private async open(t: SessionTarget): Promise<Agent> {
    if (this.oauth && (await this.oauth.has(t.did))) return new Agent(await this.oauth.restore(t.did));
    const agent = new AtpAgent({
      service: t.service,
      persistSession: (evt, session) => {
        if ((evt === 'create' || evt === 'update') && session)
          void this.remember(t.identityId, session).catch((err: Error) => this.log.warn('could not store the refreshed session', { did: t.did, err: err.message }));
      },
    });
    const stored = await this.keys.get(t.identityId, SECRET.session);
    if (stored) {
      try {
        await agent.resumeSession(JSON.parse(stored.toString('utf8')) as AtpSessionData);
        return agent;
      } catch (err) {
        this.log.info('stored session unusable; logging in', { did: t.did, err: (err as Error).message });
      }
    }
    const password = await this.keys.get(t.identityId, SECRET.password);
    if (!password) throw new NoCredentialsError(t.did);
    atprotoSessionLogins.inc();
    await agent.login({ identifier: t.did, password: password.toString('utf8') });
    password.fill(0);
    return agent;
  }
}
