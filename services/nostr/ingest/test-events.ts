/** Test helpers: signed events (JSON copies, so nostr-tools' cached verdict never leaks in: FIELD-NOTES). */
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent } from '../mapping/index.js';

export interface TestKey {
  sk: Uint8Array;
  pk: string;
}

export function newKey(): TestKey {
  const sk = generateSecretKey();
  return { sk, pk: getPublicKey(sk) };
}

export function signed(key: TestKey, t: { kind: number; content?: string; tags?: string[][]; created_at?: number }): NostrEvent {
  const e = finalizeEvent({ kind: t.kind, content: t.content ?? '', tags: t.tags ?? [], created_at: t.created_at ?? Math.floor(Date.now() / 1000) }, key.sk);
  return JSON.parse(JSON.stringify(e)) as NostrEvent;
}

export function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
