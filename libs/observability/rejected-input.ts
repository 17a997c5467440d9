import { Counter } from 'prom-client';
import { createLogger } from './logger.js';
import { registry } from './metrics.js';

/**
 * Hostile or broken input refused (or neutralised) at the edge, on every network, in one counter:
 * `pontis_rejected_input_total{network, reason}`. `network` is the entry point (activitypub,
 * atproto, nostr, solid, api for the gateway's public API); `reason` is a short code from a fixed
 * set (docs/SECURITY.md lists them), never a message, an id or a URL.
 */
export const rejectedInput = new Counter({
  name: 'pontis_rejected_input_total',
  help: 'Input refused or neutralised at the edge (bad signature, replay, spoofed actor, private address, too large, too deep, invalid UTF-8, rate limit...)',
  labelNames: ['network', 'reason'] as const,
  registers: [registry],
});

export type RejectNetwork = 'activitypub' | 'atproto' | 'nostr' | 'solid' | 'api';

const log = createLogger('rejected-input');

/** Counts one refusal; `detail` (free text, may name the source) goes to the debug log only, never to a label. */
export function rejectInput(network: RejectNetwork, reason: string, detail?: Record<string, unknown>): void {
  rejectedInput.inc({ network, reason });
  if (detail) log.debug('input rejected', { network, reason, ...detail });
}

/** The current count for one (network, reason): tests read it before and after. */
export async function rejectedCount(network: RejectNetwork, reason: string): Promise<number> {
  return (await rejectedInput.get()).values.find((v) => v.labels.network === network && v.labels.reason === reason)?.value ?? 0;
}
