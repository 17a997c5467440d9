import { Counter } from 'prom-client';
import { registry } from '../../libs/observability/index.js';

export const relayWrites = new Counter({
  name: 'pontis_nostr_relay_writes_total',
  help: "EVENTs offered to the bridge's relay, by outcome (accepted, auth-required, restricted, error)",
  labelNames: ['outcome'] as const,
  registers: [registry],
});
