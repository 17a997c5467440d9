import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadConfig, SERVICE_NAMES } from '../libs/config/index.js';
import { coreTopics, NETWORKS, outboundTopic, parkedTopic, TOPICS } from '../libs/events/index.js';
import { resolveTarget } from '../deploy/entrypoint-target.js';
import { configKeysFromSource } from '../deploy/testing/settings.js';
import { routeByIngressRules, routeByTable } from '../deploy/testing/routing.js';
import { k8sQuantity } from '../deploy/pod-limits.js';
import { ADAPTERS, DEPLOYED_SERVICES, ROUTES, ROUTING_CASES, settingProblem, STATEFUL_SERVICES, type Backend } from '../deploy/topology.js';
import { build, containersOf, readKustomization, readYamlDocuments, referencedFiles, type K8sObject } from './testing/kustomize.js';
import { STRIMZI_GROUP, strimziProblems, validateBuiltIn } from './testing/schemas.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const k8s = join(root, 'k8s');
const base = build(join(k8s, 'base'));
const production = build(join(k8s, 'overlays/production'));
const outputs: Array<[string, K8sObject[]]> = [
  ['base', base],
  ['overlays/production', production],
];

const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const all = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
type Probe = { httpGet?: { path: string; port: string | number } };
type Container = { name: string; image: string; args?: string[]; ports?: Array<{ name?: string; containerPort: number }>; readinessProbe?: Probe; livenessProbe?: Probe; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }>; securityContext?: Record<string, unknown> };
const podSpec = (o: K8sObject) => (o.spec as { template: { metadata: { labels: Record<string, string> }; spec: Record<string, any> } }).template;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Kubernetes quantities to numbers, for request <= limit. */
function quantity(q: string): number {
  const n = k8sQuantity(q);
  if (n === undefined) throw new Error(`quantity ${q}`);
  return n;
}

/** The restricted Pod Security Standard's demands on a pod (non-root, no escalation, no capabilities, a seccomp profile). */
function assertRestricted(o: K8sObject): void {
  const pod = podSpec(o).spec;
  const where = `${o.kind}/${o.metadata.name}`;
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${where} runAsNonRoot`);
  assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${where} seccomp`);
  for (const c of pod.containers as Container[]) {
    const sc = c.securityContext as { allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] } } | undefined;
    assert.equal(sc?.allowPrivilegeEscalation, false, `${where} allowPrivilegeEscalation`);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${where} drops every capability`);
    assert.equal(sc?.capabilities?.add, undefined, `${where} adds none`);
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe('Kubernetes manifests (k8s/): parse and schema', () => {
  it('every YAML file under k8s/ parses, without duplicate keys', () => {
    const files = yamlFiles(k8s);
    assert.ok(files.length >= 10);
    for (const f of files) assert.doesNotThrow(() => readYamlDocuments(f), relative(root, f));
  });

  for (const [name, objs] of outputs) {
    it(`${name}: every built-in object passes its kind's schema (kubernetes-models)`, async () => {
      const builtIn = objs.filter((o) => !o.apiVersion.startsWith(STRIMZI_GROUP));
      assert.ok(builtIn.length > 20);
      for (const o of builtIn) await validateBuiltIn(o);
    });

    it(`${name}: every Strimzi object passes the hand-written checks (no npm package ships its schemas)`, () => {
      const strimzi = objs.filter((o) => o.apiVersion.startsWith(STRIMZI_GROUP));
      assert.ok(strimzi.length > 5);
      assert.deepEqual(strimzi.flatMap(strimziProblems), []);
    });

    it(`${name}: no two objects share a kind and name`, () => {
      const ids = objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
    });
  }

  it('the schema check catches mistakes, so passing means something', async () => {
    const d = structuredClone(find(base, 'Deployment', 'pontis-translator')!);
    (podSpec(d).spec.containers[0] as Container).ports![0]!.containerPort = '8080' as unknown as number;
    await assert.rejects(validateBuiltIn(d), /containerPort/);
    const hpa = structuredClone(find(base, 'HorizontalPodAutoscaler', 'pontis-translator')!);
    delete (hpa.spec as Record<string, unknown>).maxReplicas;
    await assert.rejects(validateBuiltIn(hpa), /maxReplicas/);
    await assert.rejects(validateBuiltIn({ apiVersion: 'apps/v9', kind: 'Deployment', metadata: { name: 'x' } }), /no schema/);
    const topic = structuredClone(find(base, 'KafkaTopic', 'bridge-events-v1')!);
    (topic.spec as Record<string, unknown>).partitions = 0;
    assert.match(strimziProblems(topic).join(), /partitions/);
  });
});

describe('Kubernetes manifests: kustomizations (kustomize is not installed; tests build them)', () => {
  it('every file a kustomization lists exists', () => {
    for (const dir of ['base', 'overlays/production']) {
      for (const f of referencedFiles(join(k8s, dir))) assert.ok(existsSync(f), `${dir}: ${relative(k8s, f)}`);
    }
  });

  it("the overlay's patches target objects the base has, and its image replaces the base's", () => {
    // build() throws on a patch whose target is missing; this states what the overlay changed.
    assert.equal(find(production, 'Secret', 'pontis-core'), undefined, 'placeholder secrets are dropped');
    assert.equal(production.filter((o) => o.kind === 'Secret').length, 0);
    assert.equal(JSON.stringify(production).includes('replace-me'), false);
    const overlay = readKustomization(join(k8s, 'overlays/production'));
    const image = overlay.images![0]!;
    for (const o of production) for (const c of containersOf(o)) if (!c.image.startsWith('ghcr.io/bluesky-social/')) assert.equal(c.image, `${image.newName}:${image.newTag}`);
    for (const o of production) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'pontis', `${o.kind}/${o.metadata.name}`);
    assert.equal((find(production, 'HorizontalPodAutoscaler', 'pontis-translator')!.spec as { maxReplicas: number }).maxReplicas, 24);
    const hosts = all(production, 'Ingress').flatMap((i) => (i.spec as { rules: Array<{ host: string }> }).rules.map((r) => r.host));
    assert.deepEqual([...new Set(hosts)], ['bridge.example.org']);
  });
});

describe('Kubernetes manifests: what each service gets', () => {
  for (const [name, objs] of outputs) {
    it(`${name}: one Deployment per service, run by name, probed on /health, with requests and limits, non-root`, () => {
      for (const s of SERVICE_NAMES) assert.ok((DEPLOYED_SERVICES as readonly string[]).includes(s), `${s} has manifests (deploy/topology.ts)`);
      for (const s of DEPLOYED_SERVICES) {
        const d = find(objs, 'Deployment', `pontis-${s}`);
        assert.ok(d, `Deployment pontis-${s}`);
        const tpl = podSpec(d);
        const [c, ...more] = tpl.spec.containers as Container[];
        assert.equal(more.length, 0);
        assert.deepEqual(c!.args, [s]);
        if ((SERVICE_NAMES as readonly string[]).includes(s)) assert.equal(resolveTarget(c!.args!).script, `services/${s}/main.js`);
        const http = c!.ports!.find((p) => p.name === 'http');
        assert.equal(http?.containerPort, 8080);
        for (const probe of [c!.readinessProbe, c!.livenessProbe]) {
          assert.equal(probe?.httpGet?.path, '/health');
          assert.equal(probe?.httpGet?.port, 'http');
        }
        for (const r of ['cpu', 'memory']) {
          const req = c!.resources?.requests?.[r];
          const lim = c!.resources?.limits?.[r];
          assert.ok(req && lim, `${s} ${r} request and limit`);
          assert.ok(quantity(req) <= quantity(lim), `${s} ${r} request <= limit`);
        }
        assertRestricted(d);
        assert.equal(c!.securityContext?.readOnlyRootFilesystem, true);
        const svc = find(objs, 'Service', `pontis-${s}`);
        assert.ok(svc && selects((svc.spec as { selector: Record<string, string> }).selector, tpl.metadata.labels), `Service pontis-${s} selects its pods`);
        const pdb = find(objs, 'PodDisruptionBudget', `pontis-${s}`);
        assert.ok(pdb && selects((pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, tpl.metadata.labels), `PDB pontis-${s} selects its pods`);
        assert.ok(selects((d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, tpl.metadata.labels));
      }
    });

    it(`${name}: a service with its own disk runs one replica, replaced not rolled, its /data on a claim`, () => {
      for (const s of STATEFUL_SERVICES) {
        const d = find(objs, 'Deployment', `pontis-${s}`)!;
        const spec = d.spec as { replicas: number; strategy: { type: string } };
        assert.equal(spec.replicas, 1);
        assert.equal(spec.strategy.type, 'Recreate', 'two pods never open the same files');
        const pod = podSpec(d).spec;
        const mount = (pod.containers[0] as { volumeMounts: Array<{ name: string; mountPath: string }> }).volumeMounts.find((m) => m.mountPath === '/data')!;
        const claim = (pod.volumes as Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>).find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
        assert.ok(claim && find(objs, 'PersistentVolumeClaim', claim), `${s} keeps /data on a PersistentVolumeClaim`);
        assert.equal(find(objs, 'HorizontalPodAutoscaler', `pontis-${s}`), undefined);
      }
    });

    it(`${name}: the translator and every adapter autoscale, never past the partitions they consume`, () => {
      const partitions = new Map(all(objs, 'KafkaTopic').map((t) => [(t.spec as { topicName: string }).topicName, (t.spec as { partitions: number }).partitions]));
      for (const s of ['translator', ...ADAPTERS]) {
        const hpa = find(objs, 'HorizontalPodAutoscaler', `pontis-${s}`);
        assert.ok(hpa, `HPA pontis-${s}`);
        const spec = hpa.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
        assert.deepEqual([spec.scaleTargetRef.kind, spec.scaleTargetRef.name], ['Deployment', `pontis-${s}`]);
        const topic = s === 'translator' ? TOPICS.events : outboundTopic(s as (typeof NETWORKS)[number]);
        assert.ok(spec.maxReplicas <= partitions.get(topic)!, `${s}: maxReplicas ${spec.maxReplicas} <= ${partitions.get(topic)} partitions of ${topic}`);
        assert.ok(spec.minReplicas >= 2, `${s}: two replicas at least, so a rollout or a drain leaves one working`);
        const d = find(objs, 'Deployment', `pontis-${s}`)!;
        assert.equal((d.spec as { replicas?: number }).replicas, undefined, `pontis-${s} leaves replicas to its HPA`);
      }
    });

    it(`${name}: settings come from the ConfigMap and Secrets the pods name, and libs/config accepts them`, () => {
      const config = find(objs, 'ConfigMap', 'pontis-config')!;
      const data = config.data as Record<string, string>;
      const keys = configKeysFromSource(root);
      assert.deepEqual(Object.keys(data).map((k) => settingProblem(k, keys, SERVICE_NAMES)).filter(Boolean), []);
      for (const secret of all(objs, 'Secret').filter((x) => x.metadata.name !== 'pontis-pds')) {
        const secretKeys = Object.keys((secret.stringData ?? secret.data ?? {}) as Record<string, string>);
        assert.deepEqual(secretKeys.map((k) => settingProblem(k, keys, SERVICE_NAMES)).filter(Boolean), [], `Secret ${secret.metadata.name} holds settings Pontis reads`);
      }
      const parsed = loadConfig({ ...data, PONTIS_MASTER_KEY: Buffer.alloc(32, 1).toString('hex'), DATABASE_URL: 'postgres://pontis@db:5432/pontis' });
      assert.equal(parsed.sandbox, false);
      assert.equal(parsed.host, '0.0.0.0');
      const kafka = all(objs, 'Kafka')[0]!;
      const plain = (kafka.spec as { kafka: { listeners: Array<{ name: string; port: number; tls: boolean }> } }).kafka.listeners.find((l) => !l.tls)!;
      assert.deepEqual(parsed.kafkaBrokers, [`${kafka.metadata.name}-kafka-bootstrap:${plain.port}`], 'KAFKA_BROKERS is the Strimzi bootstrap Service');
      for (const o of objs) {
        for (const c of containersOf(o) as Container[]) {
          for (const ref of c.envFrom ?? []) {
            if (ref.configMapRef) assert.ok(find(objs, 'ConfigMap', ref.configMapRef.name) || ref.configMapRef.optional, `${o.metadata.name} reads ConfigMap ${ref.configMapRef.name}`);
            // The production overlay leaves Secrets to be created out of band (k8s/README.md).
            if (ref.secretRef && name === 'base') assert.ok(find(objs, 'Secret', ref.secretRef.name) || ref.secretRef.optional, `${o.metadata.name} reads Secret ${ref.secretRef.name}`);
          }
        }
      }
      if (name === 'base') {
        const core = find(objs, 'Secret', 'pontis-core')!.stringData as Record<string, string>;
        assert.deepEqual(Object.keys(core).sort(), ['DATABASE_URL', 'PONTIS_MASTER_KEY']);
        assert.throws(() => loadConfig({ ...data, ...core }), /PONTIS_MASTER_KEY/, 'the placeholder key stops a service, naming it');
      }
    });

    it(`${name}: a migration Job runs the image with "migrate" and the services' settings`, () => {
      const job = find(objs, 'Job', 'pontis-migrate')!;
      const [c] = podSpec(job).spec.containers as Container[];
      assert.deepEqual(c!.args, ['migrate']);
      assert.equal(resolveTarget(c!.args!).script, 'libs/store/migrate.js');
      assert.deepEqual(c!.envFrom!.map((r) => r.configMapRef?.name ?? r.secretRef?.name), ['pontis-config', 'pontis-core']);
      assert.equal(podSpec(job).spec.restartPolicy, 'Never');
      assertRestricted(job);
    });
  }
});

describe('Kubernetes manifests: Kafka and routing', () => {
  for (const [name, objs] of outputs) {
    it(`${name}: the Strimzi cluster runs KRaft with three brokers, replication factor 3 and min.insync.replicas 2`, () => {
      const [kafka, ...others] = all(objs, 'Kafka');
      assert.ok(kafka && !others.length);
      const cfg = (kafka.spec as { kafka: { config: Record<string, unknown> } }).kafka.config;
      assert.equal(cfg['default.replication.factor'], 3);
      assert.equal(cfg['min.insync.replicas'], 2);
      assert.equal(cfg['offsets.topic.replication.factor'], 3);
      assert.equal(cfg['auto.create.topics.enable'], false);
      const pools = all(objs, 'KafkaNodePool').filter((p) => p.metadata.labels?.['strimzi.io/cluster'] === kafka.metadata.name);
      const count = (role: string) => pools.filter((p) => (p.spec as { roles: string[] }).roles.includes(role)).reduce((n, p) => n + (p.spec as { replicas: number }).replicas, 0);
      assert.ok(count('broker') >= 3, 'three brokers: one can be down with two replicas still in sync');
      assert.equal(count('controller') % 2, 1, 'an odd number of controllers (a KRaft quorum)');
      assert.ok(count('controller') >= 3);
    });

    it(`${name}: every topic Pontis uses is declared, with 3 replicas and min.insync.replicas 2`, () => {
      const topics = all(objs, 'KafkaTopic');
      const names = topics.map((t) => (t.spec as { topicName: string }).topicName);
      const needed = [...coreTopics(), ...NETWORKS.map(parkedTopic)];
      assert.deepEqual(needed.filter((t) => !names.includes(t)), [], 'topics missing from k8s/base/kafka/topics.yaml');
      const kafka = all(objs, 'Kafka')[0]!;
      for (const t of topics) {
        const spec = t.spec as { replicas: number; partitions: number; config: Record<string, unknown> };
        assert.equal(t.metadata.labels?.['strimzi.io/cluster'], kafka.metadata.name);
        assert.equal(spec.replicas, 3, t.metadata.name);
        assert.equal(spec.config['min.insync.replicas'], 2, t.metadata.name);
      }
    });

    it(`${name}: the Ingress sends each protocol path to its service, as the compose proxy does`, () => {
      const rules = all(objs, 'Ingress').flatMap((i) =>
        (i.spec as { rules: Array<{ http: { paths: Array<{ path: string; pathType: 'Exact' | 'Prefix'; backend: { service: { name: string; port: { number: number } } } }> } }> }).rules.flatMap((r) => r.http.paths),
      );
      const backendOf = (svcName: string): Backend => svcName.replace(/^pontis-/, '') as Backend;
      for (const r of rules) {
        const svc = find(objs, 'Service', r.backend.service.name);
        assert.ok(svc, `Ingress backend ${r.backend.service.name} is a Service`);
        assert.ok((svc.spec as { ports: Array<{ port: number }> }).ports.some((p) => p.port === r.backend.service.port.number), `${r.backend.service.name} has port ${r.backend.service.port.number}`);
      }
      const table = rules.map((r) => ({ path: r.path, pathType: r.pathType, backend: backendOf(r.backend.service.name) }));
      assert.equal(table.length, ROUTES.length, 'one Ingress path per route');
      const cases = [...ROUTING_CASES, ...ROUTES.filter((r) => r.match === 'prefix').map((r) => [`${r.path.replace(/\/$/, '')}/x`, r.backend] as const)];
      for (const [path, backend] of cases) {
        assert.equal(routeByTable(ROUTES, path), backend, `table: ${path}`);
        assert.equal(routeByIngressRules(table, path), backend, `ingress: ${path}`);
      }
    });
  }
});
