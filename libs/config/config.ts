import { NETWORKS, type Network } from '../events/index.js';
import { SecretBox } from '../store/secret-box.js';
import { DEFAULT_OPT_OUT_TAGS } from '../consent/opt-out-tag.js';

/** Everything Pontis reads from the environment, validated once at boot. */
export interface PontisConfig {
  /** Which services this process runs. */
  services: ServiceName[];
  port: number;
  host: string;
  /** Empty: the in-process bus (embedded mode). */
  kafkaBrokers: string[];
  kafkaClientId: string;
  /** Prefix for every topic and consumer group, so deployments can share a cluster. */
  kafkaTopicPrefix: string | null;
  /** Partitions for bridge.* topics created at start. */
  kafkaPartitions: number;
  /** Partitions each consumer handles at once (order per partition is kept). */
  kafkaConsumerConcurrency: number;
  /** Empty: an embedded PGlite in `dataDir`. */
  databaseUrl: string | null;
  databaseSchema: string | null;
  dataDir: string;
  /** 32 bytes as base64 or hex, or a keyring `2:<key>,1:<key>`; embedded mode generates one into dataDir when absent. */
  masterKey: string | null;
  /** How long an event waits for what it points at before it is dead-lettered with the reason. */
  pendingTimeoutMs: number;
  /** PONTIS_UNSEEN_PARENT_WAIT_MS: how long a reply waits for a parent never seen whose author is unknown. */
  unseenParentWaitMs: number;
  /**
   * How long a processed-event id is remembered (pruned after). A replay older than this is
   * still harmless: its commands keep their ids, and adapters skip ids already delivered.
   */
  processedRetentionDays: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Start the local sandbox of peer servers (default: when no external network is configured). */
  sandbox: boolean;
  /**
   * Demo people in the sandbox (one per network, posting and interacting every ~20 s): on with the
   * sandbox unless an external network endpoint is configured (they live on the sandbox's own peers).
   */
  sandboxDemo: boolean;
  /** Public base URL of this deployment (used in links and handles). */
  publicUrl: string;
  /** Networks the adapters in this process may use (the admin can turn them off at run time). */
  networks: Network[];
  /** Let remote input make us connect to loopback/private addresses (tests and local sandboxes only). */
  allowPrivateAddresses: boolean;
  gateway: {
    /**
     * Requests per minute each client IP may make to the public (unauthenticated) API, refilled
     * continuously, with `burst` allowed at once; 0 turns the limit off. The default (10/s)
     * stops floods but not a dashboard or a script polling the status every 100 ms.
     */
    rateLimitPerMinute: number;
    rateLimitBurst: number;
    /** How many reverse proxies in front of the gateway append to X-Forwarded-For (0: use the socket address). */
    trustedProxyHops: number;
  };
  nostr: {
    /** Relays the bridge publishes its bridged identities' events to (its own relay first). */
    publishRelays: string[];
    /** Relays read for watched people besides their NIP-65 write relays. */
    readRelays: string[];
    /** NIP-05 domain for bridged identities (`<name>@<domain>`). */
    nip05Domain: string;
    /**
     * Verified events each Nostr key may bring into ingest (token bucket per key, per process);
     * past it they are dropped and counted as rate_limited. The burst leaves room for a backfill.
     */
    authorRateLimit: { perMinute: number; burst: number };
    /** The bridge's own relay (service `nostr-relay`). */
    relay: {
      /** Host name clients name in NIP-42 auth (`relay` tag); default: the public URL's host name. */
      hostname: string;
      /** HTTP path of the relay (WebSocket upgrade and NIP-11). */
      path: string;
      /** SQLite file of its events. */
      storage: string;
    };
  };
  solid: {
    /** The Solid server the bridge operates (its own WebID, bridged WebIDs and pods; CSS account API v7). Null: adapter idle. */
    serverUrl: string | null;
    /** Existing client credentials for the bridge's own WebID; absent: an account is created on serverUrl at first start. */
    bridge: { webId: string; clientId: string; clientSecret: string } | null;
    /** How often every linked pod is reconciled with its listing (webhooks only trigger it sooner). */
    reconcileIntervalMs: number;
  };
  activitypub: {
    /** How far an inbox request's Date may be from now, either way (HTTP Signatures). */
    signatureWindowMs: number;
    /** Timeout of fetches of remote actors, keys and objects. */
    fetchTimeoutMs: number;
    /** Largest remote document accepted. */
    maxFetchBytes: number;
    /** Mastodon's AUTHORIZED_FETCH: our actor/object/collection GETs need an HTTP signature. */
    authorizedFetch: boolean;
    /** Verified inbox requests each remote actor may make (token bucket per actor, per process); past it: 429 + Retry-After. */
    inboxRateLimit: { perMinute: number; burst: number };
  };
  consent: {
    /** Hashtags (without `#`, lower case) that keep a post at home: never bridged. */
    optOutTags: string[];
    /** Handle of the bridge's Bluesky bot account (follow to opt in, block to opt out). Null: `bridge` + the handle domain. */
    atprotoBotHandle: string | null;
  };
  atproto: {
    /** The PDS the bridge operates (bridged accounts live there). Null: the adapter stays idle. */
    pdsUrl: string | null;
    /** PLC directory for DID resolution and PLC operations. */
    plcUrl: string;
    /** PDS admin password: mints invite codes, deactivates bridged accounts. */
    adminPassword: string | null;
    /** Handle suffix of bridged accounts, with its leading dot (one of the PDS's PDS_SERVICE_HANDLE_DOMAINS). Null: the PDS's first. */
    handleDomain: string | null;
    /** subscribeRepos endpoint read for watched DIDs (a relay or the PDS). Default: the PDS's own. */
    firehoseUrl: string | null;
    /** Commits one watched repo may send (per minute, and at once) before the rest are skipped; null: no limit. */
    floodLimit: { perMinute: number; burst: number } | null;
  };
}

/** The fediverse inbox limit per remote server when PONTIS_AP_INBOX_RATE_LIMIT_* are not set; also the fallback of services built without config (tests). */
export const DEFAULT_AP_INBOX_RATE_LIMIT = { perMinute: 300, burst: 100 } as const;

export const SERVICE_NAMES = ['gateway', 'translator', 'nostr', 'nostr-relay', 'solid', 'activitypub', 'atproto'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Started only when PONTIS_SERVICES names them (a deployment's own relay is a choice, not a default). */
export const OPT_IN_SERVICES: readonly ServiceName[] = ['nostr-relay'];

/**
 * The firehose flood limit per watched repo unless PONTIS_ATPROTO_FLOOD_LIMIT_PER_MINUTE/_BURST say
 * otherwise: what a person writing by hand, or an app's batch of writes, stays under (100 commits
 * at once, 10 a second after). The ingest falls back to it when built without config (tests).
 */
export const DEFAULT_ATPROTO_FLOOD_LIMIT: Readonly<{ perMinute: number; burst: number }> = Object.freeze({ perMinute: 600, burst: 100 });

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the environment. The only place in Pontis that touches process.env. */
export function loadConfig(env: Env = process.env): PontisConfig {
  const problems: string[] = [];
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${raw} must be an integer from ${min} to ${max}`);
      return def;
    }
    return n;
  };
  const list = (name: string): string[] =>
    (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  const services = list('PONTIS_SERVICES');
  const badServices = services.filter((s) => !(SERVICE_NAMES as readonly string[]).includes(s));
  if (badServices.length) problems.push(`PONTIS_SERVICES has unknown service(s) ${badServices.join(', ')} (known: ${SERVICE_NAMES.join(', ')})`);

  const kafkaBrokers = list('KAFKA_BROKERS');
  for (const b of kafkaBrokers) if (!/^[^:\s]+:\d{1,5}$/.test(b)) problems.push(`KAFKA_BROKERS entry "${b}" must be host:port`);

  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  const databaseSchema = env.DATABASE_SCHEMA?.trim() || null;
  if (databaseSchema && !/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema)) problems.push('DATABASE_SCHEMA must be a lowercase SQL identifier');

  if (env.KAFKA_TOPIC_PREFIX && !/^[a-zA-Z0-9._-]+$/.test(env.KAFKA_TOPIC_PREFIX.trim())) problems.push('KAFKA_TOPIC_PREFIX may contain only letters, digits, . _ -');
  const masterKey = env.PONTIS_MASTER_KEY?.trim() || null;
  if (masterKey) {
    try {
      new SecretBox(masterKey);
    } catch (err) {
      problems.push(`PONTIS_MASTER_KEY: ${(err as Error).message} (one key, or a keyring "2:<key>,1:<key>" to rotate)`);
    }
  }
  if (!masterKey && databaseUrl) problems.push('PONTIS_MASTER_KEY is required with DATABASE_URL (keys are encrypted at rest with it)');

  const logLevel = (env.LOG_LEVEL ?? 'info') as PontisConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push('LOG_LEVEL must be debug, info, warn or error');

  const networks = env.PONTIS_NETWORKS ? list('PONTIS_NETWORKS') : [...NETWORKS];
  const badNets = networks.filter((n) => !(NETWORKS as readonly string[]).includes(n));
  if (badNets.length) problems.push(`PONTIS_NETWORKS has unknown network(s) ${badNets.join(', ')}`);

  const port = int('PORT', 8080, 0, 65535);
  const relays = (name: string): string[] => {
    const out = list(name);
    for (const r of out) if (!/^wss?:\/\/[^\s/]+/.test(r)) problems.push(`${name} entry "${r}" must be a ws:// or wss:// URL`);
    return out;
  };
  const publishRelays = relays('PONTIS_NOSTR_RELAYS');
  const readRelays = env.PONTIS_NOSTR_READ_RELAYS !== undefined ? relays('PONTIS_NOSTR_READ_RELAYS') : publishRelays;
  const solidServer = env.PONTIS_SOLID_URL?.trim() || null;
  if (solidServer && !/^https?:\/\/[^\s/]+/.test(solidServer)) problems.push('PONTIS_SOLID_URL must be an http(s) URL');
  const solidBridge = [env.PONTIS_SOLID_BRIDGE_WEBID, env.PONTIS_SOLID_BRIDGE_CLIENT_ID, env.PONTIS_SOLID_BRIDGE_CLIENT_SECRET].map((v) => v?.trim() || '');
  if (solidBridge.some(Boolean) && !solidBridge.every(Boolean)) problems.push('PONTIS_SOLID_BRIDGE_WEBID, PONTIS_SOLID_BRIDGE_CLIENT_ID and PONTIS_SOLID_BRIDGE_CLIENT_SECRET go together');
  const httpUrl = (name: string): string | null => {
    const v = env[name]?.trim();
    if (!v) return null;
    if (!/^https?:\/\/[^\s/]+/.test(v)) problems.push(`${name}=${v} must be an http:// or https:// URL`);
    return v.replace(/\/$/, '');
  };
  const atprotoPds = httpUrl('PONTIS_ATPROTO_PDS_URL');
  const atprotoPlc = httpUrl('PONTIS_ATPROTO_PLC_URL') ?? 'https://plc.directory';
  const atprotoFirehose = env.PONTIS_ATPROTO_FIREHOSE_URL?.trim() || null;
  if (atprotoFirehose && !/^wss?:\/\/[^\s/]+/.test(atprotoFirehose)) problems.push('PONTIS_ATPROTO_FIREHOSE_URL must be a ws:// or wss:// URL');
  // 0 turns the per-DID firehose limit off, as PONTIS_RATE_LIMIT_PER_MINUTE does for the API.
  const floodPerMinute = int('PONTIS_ATPROTO_FLOOD_LIMIT_PER_MINUTE', DEFAULT_ATPROTO_FLOOD_LIMIT.perMinute, 0, 1_000_000);
  const atprotoHandleDomain = env.PONTIS_ATPROTO_HANDLE_DOMAIN?.trim().toLowerCase() || null;
  if (atprotoHandleDomain && !/^\.[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(atprotoHandleDomain)) problems.push('PONTIS_ATPROTO_HANDLE_DOMAIN must be a domain with a leading dot (e.g. .bsky.pontis.example)');
  const optOutTags = (env.PONTIS_OPT_OUT_TAGS ?? DEFAULT_OPT_OUT_TAGS.join(',')).split(',').map((t) => t.trim().replace(/^#/, '').toLowerCase()).filter(Boolean);
  if (!optOutTags.length || optOutTags.some((t) => !/^[\p{L}\p{N}_-]{1,64}$/u.test(t))) problems.push('PONTIS_OPT_OUT_TAGS must be one or more hashtags separated by commas (e.g. nobridge,nobot)');
  const atprotoBotHandle = env.PONTIS_ATPROTO_BOT_HANDLE?.trim().toLowerCase().replace(/^@/, '') || null;
  if (atprotoBotHandle && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(atprotoBotHandle)) problems.push('PONTIS_ATPROTO_BOT_HANDLE must be a handle such as bridge.bsky.pontis.example');
  const sandboxRaw = env.PONTIS_SANDBOX;
  if (sandboxRaw !== undefined && !['0', '1', 'true', 'false'].includes(sandboxRaw)) problems.push('PONTIS_SANDBOX must be 0/1/true/false');
  const sandbox = sandboxRaw !== undefined ? sandboxRaw === '1' || sandboxRaw === 'true' : !kafkaBrokers.length && !databaseUrl;
  const demoRaw = env.PONTIS_SANDBOX_DEMO?.trim() || undefined;
  if (demoRaw !== undefined && !['0', '1', 'true', 'false'].includes(demoRaw)) problems.push('PONTIS_SANDBOX_DEMO must be 0/1/true/false');
  const externalNetworks = [publishRelays.length && 'PONTIS_NOSTR_RELAYS', solidServer && 'PONTIS_SOLID_URL', atprotoPds && 'PONTIS_ATPROTO_PDS_URL'].filter(Boolean);
  const demoAsked = demoRaw === '1' || demoRaw === 'true';
  if (demoAsked && (!sandbox || externalNetworks.length))
    problems.push(`PONTIS_SANDBOX_DEMO=${demoRaw} needs the sandbox's own peers: ${!sandbox ? 'the sandbox is off' : `unset ${externalNetworks.join(', ')}`}`);

  const config: PontisConfig = {
    services: services.length ? (services as ServiceName[]) : SERVICE_NAMES.filter((s) => !OPT_IN_SERVICES.includes(s)),
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    kafkaBrokers,
    kafkaClientId: env.KAFKA_CLIENT_ID?.trim() || 'pontis',
    kafkaTopicPrefix: env.KAFKA_TOPIC_PREFIX?.trim() || null,
    kafkaPartitions: int('KAFKA_PARTITIONS', 6, 1, 1024),
    kafkaConsumerConcurrency: int('KAFKA_CONSUMER_CONCURRENCY', 3, 1, 64),
    databaseUrl,
    databaseSchema,
    dataDir: env.PONTIS_DATA_DIR?.trim() || '.data',
    masterKey,
    pendingTimeoutMs: int('PONTIS_PENDING_TIMEOUT_MS', 10 * 60_000, 1_000, 7 * 24 * 3_600_000),
    unseenParentWaitMs: int('PONTIS_UNSEEN_PARENT_WAIT_MS', 2 * 60_000, 1_000, 7 * 24 * 3_600_000),
    processedRetentionDays: int('PONTIS_PROCESSED_RETENTION_DAYS', 30, 1, 3650),
    logLevel,
    sandbox,
    sandboxDemo: sandbox && !externalNetworks.length && (demoRaw === undefined || demoAsked),
    publicUrl: (env.PONTIS_PUBLIC_URL?.trim() || `http://127.0.0.1:${port}`).replace(/\/$/, ''),
    networks: networks as Network[],
    allowPrivateAddresses: env.PONTIS_ALLOW_PRIVATE_ADDRESSES === '1' || env.PONTIS_ALLOW_PRIVATE_ADDRESSES === 'true',
    gateway: {
      rateLimitPerMinute: int('PONTIS_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
      rateLimitBurst: int('PONTIS_RATE_LIMIT_BURST', 200, 1, 1_000_000),
      trustedProxyHops: int('PONTIS_TRUSTED_PROXY_HOPS', 0, 0, 10),
    },
    nostr: {
      publishRelays,
      readRelays,
      authorRateLimit: {
        perMinute: int('PONTIS_NOSTR_AUTHOR_RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
        burst: int('PONTIS_NOSTR_AUTHOR_RATE_LIMIT_BURST', 300, 1, 1_000_000),
      },
      nip05Domain: (env.PONTIS_NOSTR_NIP05_DOMAIN?.trim() || hostOf(env.PONTIS_PUBLIC_URL?.trim() || `http://127.0.0.1:${port}`)).toLowerCase(),
      relay: {
        hostname: (env.PONTIS_NOSTR_RELAY_HOSTNAME?.trim() || hostnameOf(env.PONTIS_PUBLIC_URL?.trim() || `http://127.0.0.1:${port}`)).toLowerCase(),
        path: '/relay',
        storage: env.PONTIS_NOSTR_RELAY_STORAGE?.trim() || `${env.PONTIS_DATA_DIR?.trim() || '.data'}/nostr-relay.sqlite`,
      },
    },
    solid: {
      serverUrl: solidServer ? (solidServer.endsWith('/') ? solidServer : `${solidServer}/`) : null,
      bridge: solidBridge.every(Boolean) ? { webId: solidBridge[0]!, clientId: solidBridge[1]!, clientSecret: solidBridge[2]! } : null,
      reconcileIntervalMs: int('PONTIS_SOLID_RECONCILE_INTERVAL_MS', 5 * 60_000, 1_000, 24 * 3_600_000),
    },
    activitypub: {
      signatureWindowMs: int('PONTIS_AP_SIGNATURE_WINDOW_MS', 3_600_000, 10_000, 12 * 3_600_000),
      fetchTimeoutMs: int('PONTIS_AP_FETCH_TIMEOUT_MS', 10_000, 500, 120_000),
      maxFetchBytes: int('PONTIS_AP_MAX_FETCH_BYTES', 1_000_000, 10_000, 20_000_000),
      authorizedFetch: env.PONTIS_AP_AUTHORIZED_FETCH === '1' || env.PONTIS_AP_AUTHORIZED_FETCH === 'true',
      inboxRateLimit: {
        perMinute: int('PONTIS_AP_INBOX_RATE_LIMIT_PER_MINUTE', DEFAULT_AP_INBOX_RATE_LIMIT.perMinute, 1, 1_000_000),
        burst: int('PONTIS_AP_INBOX_RATE_LIMIT_BURST', DEFAULT_AP_INBOX_RATE_LIMIT.burst, 1, 1_000_000),
      },
    },
    consent: { optOutTags, atprotoBotHandle },
    atproto: {
      pdsUrl: atprotoPds,
      plcUrl: atprotoPlc,
      adminPassword: env.PONTIS_ATPROTO_PDS_ADMIN_PASSWORD || null,
      handleDomain: atprotoHandleDomain,
      firehoseUrl: atprotoFirehose,
      floodLimit: floodPerMinute > 0 ? { perMinute: floodPerMinute, burst: int('PONTIS_ATPROTO_FLOOD_LIMIT_BURST', DEFAULT_ATPROTO_FLOOD_LIMIT.burst, 1, 1_000_000) } : null,
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}


function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '127.0.0.1';
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '127.0.0.1';
  }
}
