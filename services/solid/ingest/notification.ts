/**
 * What a Solid notification (Notifications Protocol, AS2 vocabulary) says changed in a watched
 * pod. Pure. Community Solid Server sends, for a container topic, `Add`/`Remove` with the member
 * as `object` and the container as `target`; for a resource topic (the WebID profile), `Update`
 * (or `Delete`) with the resource as `object`. Anything else, or a body we cannot place, answers
 * undefined and the caller falls back to reading the whole pod: an unplaced notification must
 * never mean a change goes unseen.
 */
import { folderUrl, type Folder } from '../mapping/index.js';

export type Change = { kind: 'resource'; folder: Folder; url: string } | { kind: 'profile' };

const CHANGE_TYPES = new Set(['Add', 'Remove', 'Update', 'Create', 'Delete']);

export function changeOf(body: unknown, pod: { socialUrl: string; webId: string }): Change | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const n = body as Record<string, unknown>;
  const type = typeof n.type === 'string' ? n.type.replace(/^.*[#/]/, '') : undefined;
  const object = idOf(n.object);
  if (!type || !CHANGE_TYPES.has(type) || !object) return undefined;
  let url: string;
  try {
    url = new URL(object).href;
  } catch {
    return undefined;
  }
  if (url === pod.webId.replace(/#.*$/, '')) return { kind: 'profile' };
  for (const folder of ['outbox', 'inbox'] as const) {
    const container = folderUrl(pod.socialUrl, folder);
    const rest = url.startsWith(container) ? url.slice(container.length) : undefined;
    // Direct members only: the reconciler does not descend into sub-containers either.
    if (rest && !rest.includes('/') && !/[?#]/.test(rest)) return { kind: 'resource', folder, url };
  }
  return undefined;
}

function idOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const id = (v as Record<string, unknown>).id ?? (v as Record<string, unknown>)['@id'];
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}
