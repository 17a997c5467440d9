/** Injection token for the options below (libs/config stays the one reader of process.env). */
export const NOSTR_IDENTITY_OPTIONS = Symbol('pontis.nostr.identityOptions');

export interface NostrIdentityOptions {
  /**
   * The NIP-05 domain: bridged identities are `<name>@<domain>`, and this deployment must serve
   * https://<domain>/.well-known/nostr.json (directly or proxied, without redirects: NIP-05).
   */
  domain: string;
  /** Relays advertised in nostr.json for every bridged pubkey (the bridge's own relay first). */
  relays: string[];
  /** Decrypted keys kept in memory per process (default DEFAULT_KEY_CACHE_SIZE). */
  keyCacheSize?: number;
}

/** Throws one message listing every problem, so a bad setting stops the adapter at boot. */
export function validateNostrIdentityOptions(opts: NostrIdentityOptions): NostrIdentityOptions {
  const problems: string[] = [];
  const domain = opts.domain?.trim().toLowerCase() ?? '';
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/.test(domain))
    problems.push(`NIP-05 domain "${opts.domain}" must be a host name (no scheme or path)`);
  for (const relay of opts.relays ?? []) {
    let ok = false;
    try {
      ok = ['ws:', 'wss:'].includes(new URL(relay).protocol);
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`relay "${relay}" must be a ws:// or wss:// URL`);
  }
  if (opts.keyCacheSize !== undefined && (!Number.isInteger(opts.keyCacheSize) || opts.keyCacheSize < 1))
    problems.push('keyCacheSize must be a positive integer');
  if (problems.length) throw new Error(`invalid Nostr identity options:\n  - ${problems.join('\n  - ')}`);
  return { ...opts, domain, relays: [...(opts.relays ?? [])] };
}
