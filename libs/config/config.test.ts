import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}

describe('loadConfig', () => {
  it('defaults to the embedded mode with every service and the sandbox', () => {
    const c = loadConfig({});
    assert.deepEqual(c.services, ['gateway', 'translator', 'nostr', 'solid', 'activitypub', 'atproto']);
    assert.deepEqual(c.solid, { serverUrl: null, bridge: null, reconcileIntervalMs: 300_000 });
    assert.equal(c.activitypub.signatureWindowMs, 3_600_000);
    assert.deepEqual(c.kafkaBrokers, []);
    assert.equal(c.databaseUrl, null);
    assert.equal(c.sandbox, true);
    assert.equal(c.port, 8080);
    assert.deepEqual(c.networks, ['activitypub', 'atproto', 'nostr', 'solid']);
    assert.equal(c.nostr.nip05Domain, '127.0.0.1:8080');
  });

  it('reads the gateway rate limit and proxy hops, and refuses nonsense', () => {
    assert.deepEqual(loadConfig({}).gateway, { rateLimitPerMinute: 600, rateLimitBurst: 200, trustedProxyHops: 0 });
    assert.deepEqual(loadConfig({ PONTIS_RATE_LIMIT_PER_MINUTE: '0', PONTIS_RATE_LIMIT_BURST: '5', PONTIS_TRUSTED_PROXY_HOPS: '1' }).gateway, {
      rateLimitPerMinute: 0,
      rateLimitBurst: 5,
      trustedProxyHops: 1,
    });
    assert.match(problems({ PONTIS_RATE_LIMIT_BURST: '0' }).join(), /PONTIS_RATE_LIMIT_BURST=0 must be an integer from 1/);
    assert.match(problems({ PONTIS_TRUSTED_PROXY_HOPS: 'x' }).join(), /PONTIS_TRUSTED_PROXY_HOPS/);
  });

  it('reads the flood limits of the fediverse inbox (per actor) and Nostr ingest (per key), and refuses nonsense', () => {
    const d = loadConfig({});
    assert.deepEqual(d.activitypub.inboxRateLimit, { perMinute: 300, burst: 100 });
    assert.deepEqual(d.nostr.authorRateLimit, { perMinute: 120, burst: 300 });
    const c = loadConfig({ PONTIS_AP_INBOX_RATE_LIMIT_PER_MINUTE: '60', PONTIS_AP_INBOX_RATE_LIMIT_BURST: '10', PONTIS_NOSTR_AUTHOR_RATE_LIMIT_PER_MINUTE: '30', PONTIS_NOSTR_AUTHOR_RATE_LIMIT_BURST: '5' });
    assert.deepEqual(c.activitypub.inboxRateLimit, { perMinute: 60, burst: 10 });
    assert.deepEqual(c.nostr.authorRateLimit, { perMinute: 30, burst: 5 });
    const text = problems({ PONTIS_AP_INBOX_RATE_LIMIT_PER_MINUTE: '0', PONTIS_AP_INBOX_RATE_LIMIT_BURST: '1.5', PONTIS_NOSTR_AUTHOR_RATE_LIMIT_PER_MINUTE: 'lots', PONTIS_NOSTR_AUTHOR_RATE_LIMIT_BURST: '-1' }).join('\n');
    assert.match(text, /PONTIS_AP_INBOX_RATE_LIMIT_PER_MINUTE=0 must be an integer from 1 to 1000000/);
    assert.match(text, /PONTIS_AP_INBOX_RATE_LIMIT_BURST=1\.5 must be an integer/);
    assert.match(text, /PONTIS_NOSTR_AUTHOR_RATE_LIMIT_PER_MINUTE=lots must be an integer/);
    assert.match(text, /PONTIS_NOSTR_AUTHOR_RATE_LIMIT_BURST=-1 must be an integer/);
  });

  it('has demo people in the sandbox unless turned off or an external network is configured', () => {
    assert.equal(loadConfig({}).sandboxDemo, true);
    assert.equal(loadConfig({ PONTIS_SANDBOX_DEMO: '0' }).sandboxDemo, false);
    assert.equal(loadConfig({ PONTIS_SANDBOX: '0' }).sandboxDemo, false);
    assert.equal(loadConfig({ PONTIS_NOSTR_RELAYS: 'wss://relay.example' }).sandboxDemo, false);
    assert.equal(loadConfig({ PONTIS_SOLID_URL: 'https://solid.example/' }).sandboxDemo, false);
    assert.throws(() => loadConfig({ PONTIS_SANDBOX_DEMO: '1', PONTIS_ATPROTO_PDS_URL: 'https://pds.example' }), /PONTIS_SANDBOX_DEMO=1 needs the sandbox's own peers: unset PONTIS_ATPROTO_PDS_URL/);
    assert.throws(() => loadConfig({ PONTIS_SANDBOX_DEMO: 'yes' }), /PONTIS_SANDBOX_DEMO must be/);
  });

  it('turns the sandbox off once Kafka or Postgres is configured, unless asked for', () => {
    assert.equal(loadConfig({ KAFKA_BROKERS: 'k:9092' }).sandbox, false);
    assert.equal(loadConfig({ KAFKA_BROKERS: 'k:9092', PONTIS_SANDBOX: '1' }).sandbox, true);
  });

  it('reads production settings', () => {
    const c = loadConfig({
      KAFKA_BROKERS: 'a:9092, b:9092',
      DATABASE_URL: 'postgres://u@db/pontis',
      PONTIS_MASTER_KEY: `2:${KEY},1:${Buffer.alloc(32, 1).toString('hex')}`,
      PONTIS_SERVICES: 'translator',
      PONTIS_NOSTR_RELAYS: 'wss://relay.pontis.example',
      PONTIS_PUBLIC_URL: 'https://pontis.example/',
    });
    assert.deepEqual(c.kafkaBrokers, ['a:9092', 'b:9092']);
    assert.deepEqual(c.services, ['translator']);
    assert.equal(c.publicUrl, 'https://pontis.example');
    assert.deepEqual(c.nostr.readRelays, ['wss://relay.pontis.example'], 'read relays default to the publish relays');
    assert.equal(c.nostr.nip05Domain, 'pontis.example');
  });

  it('names every wrong setting at once', () => {
    const found = problems({
      PORT: '99999',
      KAFKA_BROKERS: 'nohost',
      DATABASE_URL: 'mysql://x',
      PONTIS_SERVICES: 'gateway,teleporter',
      PONTIS_NETWORKS: 'nostr,myspace',
      LOG_LEVEL: 'loud',
      PONTIS_NOSTR_RELAYS: 'https://not-a-relay',
      KAFKA_TOPIC_PREFIX: 'bad prefix',
    });
    const text = found.join('\n');
    for (const name of ['PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'PONTIS_SERVICES', 'PONTIS_NETWORKS', 'LOG_LEVEL', 'PONTIS_NOSTR_RELAYS', 'KAFKA_TOPIC_PREFIX', 'PONTIS_MASTER_KEY'])
      assert.match(text, new RegExp(name), `${name} named`);
  });

  it('reads the Solid section and names its faults', () => {
    const c = loadConfig({ PONTIS_SOLID_URL: 'http://localhost:3000', PONTIS_SOLID_RECONCILE_INTERVAL_MS: '60000' });
    assert.deepEqual(c.solid, { serverUrl: 'http://localhost:3000/', bridge: null, reconcileIntervalMs: 60_000 });
    const text = problems({ PONTIS_SOLID_URL: 'ftp://x', PONTIS_SOLID_BRIDGE_WEBID: 'http://x/#me' }).join('\n');
    assert.match(text, /PONTIS_SOLID_URL must be an http/);
    assert.match(text, /go together/);
  });

  it('requires a valid master key with an external database', () => {
    assert.match(problems({ DATABASE_URL: 'postgres://db/x' }).join(), /PONTIS_MASTER_KEY is required/);
    assert.match(problems({ DATABASE_URL: 'postgres://db/x', PONTIS_MASTER_KEY: 'short' }).join(), /PONTIS_MASTER_KEY: master key must be 32 bytes/);
  });

  it('reads the AT Protocol settings and names wrong ones', () => {
    const c = loadConfig({ PONTIS_ATPROTO_PDS_URL: 'https://pds.pontis.example/', PONTIS_ATPROTO_HANDLE_DOMAIN: '.bsky.pontis.example', PONTIS_ATPROTO_PDS_ADMIN_PASSWORD: 'pw' });
    assert.deepEqual(c.atproto, { pdsUrl: 'https://pds.pontis.example', plcUrl: 'https://plc.directory', adminPassword: 'pw', handleDomain: '.bsky.pontis.example', firehoseUrl: null, floodLimit: { perMinute: 600, burst: 100 } });
    const text = problems({ PONTIS_ATPROTO_PDS_URL: 'ftp://x', PONTIS_ATPROTO_HANDLE_DOMAIN: 'no-dot', PONTIS_ATPROTO_FIREHOSE_URL: 'http://x' }).join('\n');
    for (const name of ['PONTIS_ATPROTO_PDS_URL', 'PONTIS_ATPROTO_HANDLE_DOMAIN', 'PONTIS_ATPROTO_FIREHOSE_URL']) assert.match(text, new RegExp(name));
    assert.deepEqual(loadConfig({ PONTIS_ATPROTO_FLOOD_LIMIT_PER_MINUTE: '60', PONTIS_ATPROTO_FLOOD_LIMIT_BURST: '5' }).atproto.floodLimit, { perMinute: 60, burst: 5 });
    assert.equal(loadConfig({ PONTIS_ATPROTO_FLOOD_LIMIT_PER_MINUTE: '0' }).atproto.floodLimit, null);
    for (const [name, bad] of [['PONTIS_ATPROTO_FLOOD_LIMIT_PER_MINUTE', '-1'], ['PONTIS_ATPROTO_FLOOD_LIMIT_PER_MINUTE', 'lots'], ['PONTIS_ATPROTO_FLOOD_LIMIT_BURST', '0'], ['PONTIS_ATPROTO_FLOOD_LIMIT_BURST', '1.5']])
      assert.match(problems({ [name]: bad }).join(), new RegExp(name));
  });

  it('reads the consent settings: opt-out tags (default nobridge) and the Bluesky bot handle', () => {
    assert.deepEqual(loadConfig({}).consent, { optOutTags: ['nobridge'], atprotoBotHandle: null });
    assert.deepEqual(loadConfig({ PONTIS_OPT_OUT_TAGS: '#NoBridge, nobot', PONTIS_ATPROTO_BOT_HANDLE: '@Bridge.bsky.pontis.example' }).consent, { optOutTags: ['nobridge', 'nobot'], atprotoBotHandle: 'bridge.bsky.pontis.example' });
    assert.match(problems({ PONTIS_OPT_OUT_TAGS: 'no bridge' }).join(), /PONTIS_OPT_OUT_TAGS must be one or more hashtags/);
    assert.match(problems({ PONTIS_OPT_OUT_TAGS: ' , ' }).join(), /PONTIS_OPT_OUT_TAGS/);
    assert.match(problems({ PONTIS_ATPROTO_BOT_HANDLE: 'bridge' }).join(), /PONTIS_ATPROTO_BOT_HANDLE must be a handle/);
  });
});
