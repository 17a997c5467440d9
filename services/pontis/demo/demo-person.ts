import type { Network } from '../../../libs/events/index.js';

/** Another demo person's latest post, seen through its copy on this person's network. */
export interface DemoTarget {
  /** The copy's native id on this network (a note URL, an at:// URI, an event id, a pod resource). */
  nativeId: string;
  /** The bridged identity that authored the copy here (actor URL, DID, pubkey, WebID). */
  author: string;
}

/** One demo person on one sandbox network, acting with that network's own client calls. */
export interface DemoPerson {
  readonly network: Network;
  /** What a newcomer types in the dashboard's lookup. */
  readonly handle: string;
  /** The id the bridge knows them by on their network. */
  readonly nativeId: string;
  post(text: string): Promise<void>;
  reply(to: DemoTarget, text: string): Promise<void>;
  like(to: DemoTarget): Promise<void>;
}

/** Where the running Pontis is: `api` to call it, `publicUrl` for the ids and signed URLs it expects. */
export interface PontisAddress {
  api: string;
  publicUrl: string;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  const res = await fetch(url, { method: 'POST', headers: { ...json, ...headers }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}
