/**
 * How a relay's verdict on one event counts (NIP-01 `["OK", id, accepted, "prefix: message"]`).
 * Pure, so the table is tested without a relay.
 */
export type RelayOutcome = 'accepted' | 'duplicate' | 'permanent' | 'transient';

export interface RelayResult {
  relay: string;
  outcome: RelayOutcome;
  /** The relay's message, or what went wrong on our side (timeout, disconnect). */
  message: string;
}

/**
 * Prefixes a retry cannot change: the event itself or our key is refused. `auth-required` is here
 * because we do not speak NIP-42 yet, and `pow` because we do not mine. `reject` is what
 * @nostr-relay/core says for an expired event.
 */
const PERMANENT = new Set(['invalid', 'blocked', 'pow', 'restricted', 'mute', 'auth-required', 'reject']);

export function classifyOk(accepted: boolean, message: string): RelayOutcome {
  const prefix = /^([a-z-]+):/.exec(message.trim())?.[1] ?? '';
  // "duplicate:" is success either way: the relay has the event (a replayed delivery).
  if (prefix === 'duplicate') return 'duplicate';
  if (accepted) return 'accepted';
  if (PERMANENT.has(prefix)) return 'permanent';
  return 'transient'; // rate-limited:, error:, unknown prefixes: worth another try later
}

export const isSuccess = (o: RelayOutcome): boolean => o === 'accepted' || o === 'duplicate';

/**
 * The verdict over all relays: success when one of the bridge's own relays has the event;
 * permanent only when every own relay refused it permanently (one relay's outage must not kill
 * a delivery another relay would take later).
 */
export function summarize(results: RelayResult[], ownRelays: readonly string[]): 'success' | 'permanent' | 'transient' {
  const own = results.filter((r) => ownRelays.includes(r.relay));
  if (own.some((r) => isSuccess(r.outcome))) return 'success';
  if (own.length > 0 && own.every((r) => r.outcome === 'permanent')) return 'permanent';
  return 'transient';
}
