/**
 * Enough of `kustomize build` to check our own kustomizations without the binary (it is not
 * installed here): resources (files and directories), namespace, labels, images, and patches
 * (strategic merge files and inline JSON 6902 patches with a target). Anything else in a
 * kustomization.yaml is refused, so a new feature cannot slip past the tests unmodelled.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ path?: string; patch?: string; target?: { kind?: string; name?: string } }>;
}

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'PersistentVolume', 'IngressClass']);

/** Every YAML document in a file, refusing files with syntax errors or duplicate keys. */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  return docs
    .map((d) => {
      if (d.errors.length) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

export function readKustomization(dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  const [k] = readYamlDocuments(file) as Array<Kustomization & Record<string, unknown>>;
  if (!k) throw new Error(`${file} is empty`);
  for (const key of Object.keys(k)) if (!KNOWN_KEYS.has(key)) throw new Error(`${file}: "${key}" is not modelled by the test build`);
  return k;
}

/** The files a kustomization names (resources that are files, patch files), for existence checks. */
export function referencedFiles(dir: string): string[] {
  const k = readKustomization(dir);
  return [...(k.resources ?? []), ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : []))].map((f) => resolve(dir, f));
}

export function build(dir: string): K8sObject[] {
  const k = readKustomization(dir);
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${r} does not exist`);
    objects.push(...(statSync(path).isDirectory() ? build(path) : (readYamlDocuments(path) as K8sObject[])));
  }
  for (const p of k.patches ?? []) {
    if (p.path) {
      const file = resolve(dir, p.path);
      if (!existsSync(file)) throw new Error(`${dir}: patch ${p.path} does not exist`);
      const patches = readYamlDocuments(file) as K8sObject[];
      // Seen with kustomize 5.5.0 (kubectl 1.32): a nil-pointer panic on such a file.
      if (patches.length > 1 && patches.some((x) => (x as Record<string, unknown>).$patch === 'delete')) throw new Error(`${p.path}: a "$patch: delete" must be alone in its file (kustomize 5.5 panics otherwise)`);
      for (const patch of patches) objects = applyStrategicMerge(objects, patch, p.path);
    } else if (p.patch && p.target) {
      const ops = readYamlDocumentsFromText(p.patch)[0] as JsonPatchOp[];
      const targets = objects.filter((o) => (!p.target!.kind || o.kind === p.target!.kind) && (!p.target!.name || o.metadata.name === p.target!.name));
      if (!targets.length) throw new Error(`${dir}: inline patch targets ${JSON.stringify(p.target)}, which is not in the resources`);
      for (const t of targets) applyJsonPatch(t, ops);
    } else throw new Error(`${dir}: a patch needs a path, or a patch with a target`);
  }
  for (const o of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) {
      if (l.includeSelectors) throw new Error('labels.includeSelectors is not modelled');
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    }
    for (const c of containersOf(o)) {
      const img = (k.images ?? []).find((i) => c.image === i.name || c.image.startsWith(`${i.name}:`));
      if (img) c.image = `${img.newName ?? img.name}:${img.newTag ?? 'latest'}`;
    }
  }
  return objects;
}

function readYamlDocumentsFromText(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

export function containersOf(o: K8sObject): Array<{ name: string; image: string; [k: string]: unknown }> {
  const spec = o.spec as { template?: { spec?: { containers?: unknown[]; initContainers?: unknown[] } } } | undefined;
  const pod = spec?.template?.spec;
  return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])] as Array<{ name: string; image: string }>;
}

/**
 * A strategic merge patch: maps merge, lists whose items have a `name` merge by name (containers,
 * env, ports, volumes; volumeClaimTemplates by metadata.name), other lists are replaced, and
 * `$patch: delete` removes the object.
 */
export function applyStrategicMerge(objects: K8sObject[], patch: K8sObject, from: string): K8sObject[] {
  const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
  if (i < 0) throw new Error(`${from}: patches ${patch.kind}/${patch.metadata.name}, which is not in the resources`);
  if ((patch as Record<string, unknown>).$patch === 'delete') return objects.filter((_, j) => j !== i);
  if (patch.apiVersion !== objects[i]!.apiVersion) throw new Error(`${from}: ${patch.kind}/${patch.metadata.name} is ${objects[i]!.apiVersion}, the patch says ${patch.apiVersion}`);
  objects[i] = mergeValue(objects[i], patch) as K8sObject;
  return objects;
}

function keyOf(item: unknown): string | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const o = item as { name?: unknown; metadata?: { name?: unknown } };
  if (typeof o.name === 'string') return o.name;
  if (typeof o.metadata?.name === 'string') return o.metadata.name;
  return undefined;
}

function mergeValue(base: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    if (!Array.isArray(base) || !patch.every((p) => keyOf(p) !== undefined)) return patch;
    const out = [...base];
    for (const p of patch) {
      const j = out.findIndex((b) => keyOf(b) === keyOf(p));
      if (j >= 0) out[j] = mergeValue(out[j], p);
      else out.push(p);
    }
    return out;
  }
  if (patch && typeof patch === 'object') {
    const out: Record<string, unknown> = { ...(base && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {}) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(out[k], v);
    }
    return out;
  }
  return patch;
}

export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** JSON 6902 add/replace/remove; a path that does not resolve is an error, as in kustomize. */
export function applyJsonPatch(target: unknown, ops: JsonPatchOp[]): void {
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let node = target as Record<string, unknown>;
    for (const p of parts) {
      const next = node[p];
      if (!next || typeof next !== 'object') throw new Error(`json patch: ${op.path} does not resolve (at ${p})`);
      node = next as Record<string, unknown>;
    }
    if (op.op !== 'add' && !(last in node)) throw new Error(`json patch: ${op.path} does not exist`);
    if (op.op === 'remove') {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    } else if (Array.isArray(node) && op.op === 'add') node.splice(last === '-' ? node.length : Number(last), 0, op.value);
    else node[last] = op.value;
  }
}
