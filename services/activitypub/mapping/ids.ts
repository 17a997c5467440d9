/**
 * Ids of what the bridge publishes. All deterministic, so a replayed command renders the same
 * activity (the same id: remote servers drop the duplicate):
 * - actors: `<base>/ap/users/<handle>`; their collections below that;
 * - objects: `<base>/ap/objects/<object key>` (the object map key: one id per logical object);
 * - activities: `<base>/ap/activities/<sha256(command id)>`.
 */
import { createHash } from 'node:crypto';

export const AP_PREFIX = '/ap';

export function actorUrl(baseUrl: string, username: string): string {
  return `${baseUrl}${AP_PREFIX}/users/${encodeURIComponent(username)}`;
}

/** Whether `id` is one of our actors (`<origin>/ap/users/<name>`, nothing below it). */
export function isOwnActorUrl(origins: readonly string[], id: string): boolean {
  return origins.some((o) => id.startsWith(`${o}${AP_PREFIX}/users/`) && !id.slice(`${o}${AP_PREFIX}/users/`.length).includes('/'));
}

export function objectUrl(baseUrl: string, objectKey: string): string {
  return `${baseUrl}${AP_PREFIX}/objects/${encodeURIComponent(objectKey)}`;
}

export function activityUrl(baseUrl: string, commandId: string, part = ''): string {
  return `${baseUrl}${AP_PREFIX}/activities/${createHash('sha256').update(commandId + part).digest('hex').slice(0, 40)}`;
}

export function tagUrl(baseUrl: string, tag: string): string {
  return `${baseUrl}${AP_PREFIX}/tags/${encodeURIComponent(tag.toLowerCase())}`;
}

export function followersUrl(actorId: string): string {
  return `${actorId}/followers`;
}
