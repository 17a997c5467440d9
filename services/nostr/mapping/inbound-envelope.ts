/** The parts every BridgeEvent from Nostr shares: id, actor, time, trace (provenance). */
import { EVENT_SCHEMA_VERSION, type ActorRef, type BridgeEvent, type EventType, type Trace } from '../../../libs/events/index.js';
import type { InboundContext } from './context.js';
import { isoFromUnix } from './inbound-guard.js';
import { KNOWN_BRIDGE_HOSTS, KNOWN_BRIDGE_LABELS, TAG, type NostrEvent } from './nostr-protocol.js';

export interface Envelope {
  ev: NostrEvent;
  /** Cleaned tags (see inbound-guard `cleanTags`). */
  tags: string[][];
  ctx: InboundContext;
}

/**
 * Bridge provenance, so the translator never bridges a copy again (echo and bridge-loop prevention):
 * - signed by a key Pontis holds (`ctx.bridgedPubkeys`): our own copy;
 * - NIP-32 label namespace of a known bridge (ours: also catches what we publish with a person's own key);
 * - any NIP-48 `proxy` tag: "the event did not originate on Nostr" (Mostr, momostr, Bridgy Fed, others).
 */
export function traceOf(ev: NostrEvent, tags: readonly string[][], ctx: InboundContext): Trace {
  const trace: Trace = { origin: 'nostr', hops: 0 };
  const label = tags.find((t) => t[0] === TAG.labelNamespace && t[1] !== undefined && Object.hasOwn(KNOWN_BRIDGE_LABELS, t[1]))?.[1];
  const proxy = tags.find((t) => t[0] === TAG.proxy && t[1]);
  let via: string | undefined;
  if (ctx.bridgedPubkeys?.has(ev.pubkey)) via = 'pontis';
  else if (label) via = KNOWN_BRIDGE_LABELS[label];
  else if (proxy) via = bridgeFromHost(proxy[1]!) ?? `nip48:${protocolName(proxy[2])}`;
  if (via) {
    trace.bridged = true;
    trace.via = via;
  }
  return trace;
}

function bridgeFromHost(id: string): string | undefined {
  let host: string;
  try {
    host = new URL(id).hostname;
  } catch {
    return undefined;
  }
  for (const [domain, name] of Object.entries(KNOWN_BRIDGE_HOSTS)) if (host === domain || host.endsWith(`.${domain}`)) return name;
  return undefined;
}

/** The tag's protocol is attacker-chosen text: keep it short and plain. */
function protocolName(p: string | undefined): string {
  return p && /^[a-z0-9.-]{1,32}$/.test(p) ? p : 'unknown';
}

/** NIP-05 `_@domain` is shown as the bare domain. */
export function handleFromNip05(nip05: string | undefined): string | undefined {
  if (!nip05 || nip05.length > 320 || !/^[\w.+-]+@[\w.-]+\.[a-z]{2,}$/i.test(nip05)) return undefined;
  return nip05.startsWith('_@') ? nip05.slice(2).toLowerCase() : nip05.toLowerCase();
}

export function actorOf(env: Envelope): ActorRef {
  const actor: ActorRef = { network: 'nostr', id: env.ev.pubkey };
  const handle = handleFromNip05(env.ctx.verifiedNip05) ?? env.ctx.fallbackHandle;
  if (handle) actor.handle = handle;
  return actor;
}

/**
 * A BridgeEvent skeleton. `part` distinguishes the events one Nostr event yields (a kind-3 diff, a
 * kind-5 with several targets) while keeping ids deterministic: `nostr:<event id>[/<part>]`.
 */
export function baseEvent(env: Envelope, type: EventType, sourceId: string, part?: string): BridgeEvent {
  return {
    v: EVENT_SCHEMA_VERSION,
    id: part ? `nostr:${env.ev.id}/${part}` : `nostr:${env.ev.id}`,
    type,
    occurredAt: isoFromUnix(env.ev.created_at),
    source: { network: 'nostr', id: sourceId },
    actor: actorOf(env),
    trace: traceOf(env.ev, env.tags, env.ctx),
  };
}
