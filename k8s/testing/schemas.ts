/**
 * Schema checks per kind. Built-in kinds use the JSON schemas kubernetes-models ships (Kubernetes'
 * own OpenAPI, nothing downloaded). Strimzi's CRD schemas are in no npm package, so its kinds get
 * hand-written checks of the fields Pontis relies on: the tests say which is which.
 */
import type { K8sObject } from './kustomize.js';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** kubernetes-models' module for an apiVersion and kind: `apps/v1` + Deployment → kubernetes-models/apps/v1/Deployment. */
export function modelModule(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

export const STRIMZI_GROUP = 'kafka.strimzi.io/';

/** Validates one built-in object against its kind's schema; throws with the schema's message. */
export async function validateBuiltIn(obj: K8sObject): Promise<void> {
  let mod: Record<string, ModelClass>;
  try {
    mod = (await import(modelModule(obj.apiVersion, obj.kind))) as Record<string, ModelClass>;
  } catch {
    throw new Error(`${obj.apiVersion} ${obj.kind} has no schema in kubernetes-models (unknown or removed API version?)`);
  }
  const Cls = mod[obj.kind];
  if (!Cls) throw new Error(`kubernetes-models has no ${obj.kind} export in ${obj.apiVersion}`);
  try {
    new Cls(obj).validate();
  } catch (err) {
    throw new Error(`${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`);
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The Strimzi fields we use, checked by hand (types, required fields, allowed values). */
export function strimziProblems(obj: K8sObject): string[] {
  const p: string[] = [];
  const where = `${obj.kind}/${obj.metadata?.name}`;
  const spec = obj.spec as Record<string, any> | undefined;
  if (!['kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1'].includes(obj.apiVersion)) p.push(`${where}: apiVersion ${obj.apiVersion}`);
  if (!obj.metadata?.name || !DNS_SUBDOMAIN.test(obj.metadata.name)) p.push(`${where}: metadata.name must be a DNS subdomain`);
  if (!spec || typeof spec !== 'object') return [...p, `${where}: spec is required`];
  const int = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  switch (obj.kind) {
    case 'Kafka': {
      const listeners = spec.kafka?.listeners;
      if (!Array.isArray(listeners) || !listeners.length) p.push(`${where}: spec.kafka.listeners is required`);
      for (const l of listeners ?? []) {
        if (!/^[a-z0-9]{1,11}$/.test(l.name ?? '')) p.push(`${where}: listener name ${l.name} must be 1-11 lowercase letters or digits`);
        if (!int(l.port, 9092)) p.push(`${where}: listener ${l.name} port must be an integer >= 9092`);
        if (!['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'].includes(l.type)) p.push(`${where}: listener ${l.name} type ${l.type}`);
        if (typeof l.tls !== 'boolean') p.push(`${where}: listener ${l.name} tls must be a boolean`);
      }
      if (spec.kafka?.config && typeof spec.kafka.config !== 'object') p.push(`${where}: spec.kafka.config must be a map`);
      if (spec.zookeeper) p.push(`${where}: ZooKeeper is gone (KRaft only)`);
      break;
    }
    case 'KafkaNodePool': {
      if (!obj.metadata.labels?.['strimzi.io/cluster']) p.push(`${where}: label strimzi.io/cluster is required`);
      if (!int(spec.replicas, 0)) p.push(`${where}: spec.replicas must be an integer >= 0`);
      const roles = spec.roles;
      if (!Array.isArray(roles) || !roles.length || roles.some((r: unknown) => r !== 'broker' && r !== 'controller')) p.push(`${where}: spec.roles must be broker and/or controller`);
      if (!['ephemeral', 'persistent-claim', 'jbod'].includes(spec.storage?.type)) p.push(`${where}: spec.storage.type must be ephemeral, persistent-claim or jbod`);
      if (spec.storage?.type === 'persistent-claim' && !/^\d+(Ki|Mi|Gi|Ti)$/.test(spec.storage.size ?? '')) p.push(`${where}: persistent-claim storage needs a size like 100Gi`);
      break;
    }
    case 'KafkaTopic': {
      if (!obj.metadata.labels?.['strimzi.io/cluster']) p.push(`${where}: label strimzi.io/cluster is required`);
      if (!int(spec.partitions, 1)) p.push(`${where}: spec.partitions must be an integer >= 1`);
      if (!int(spec.replicas, 1) || spec.replicas > 32767) p.push(`${where}: spec.replicas must be an integer from 1 to 32767`);
      if (spec.topicName !== undefined && !/^[a-zA-Z0-9._-]{1,249}$/.test(spec.topicName)) p.push(`${where}: spec.topicName is not a legal Kafka topic name`);
      if (spec.config && typeof spec.config !== 'object') p.push(`${where}: spec.config must be a map`);
      break;
    }
    default:
      p.push(`${where}: no check written for Strimzi kind ${obj.kind}`);
  }
  return p;
}
