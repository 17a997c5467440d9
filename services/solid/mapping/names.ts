import { createHash } from 'node:crypto';

/**
 * The resource name of a command's copy: derived from the command id, so a retried command
 * writes the same URL (PUT is idempotent) and never a second resource.
 */
export function resourceSlug(commandId: string): string {
  return createHash('sha256').update(`pontis-solid\0${commandId}`).digest('base64url').slice(0, 22).replace(/[-_]/g, 'x').toLowerCase();
}

/** The last path segment of a resource URL. */
export function slugOf(url: string): string {
  const path = new URL(url).pathname;
  return path.slice(path.lastIndexOf('/') + 1);
}
