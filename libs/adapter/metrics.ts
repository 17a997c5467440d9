import { Counter } from 'prom-client';
import { registry } from '../observability/index.js';

/** Low cardinality: network and outcome (delivered, gone, dead, parked) only. */
export const adapterDeliveries = new Counter({
  name: 'pontis_adapter_deliveries_total',
  help: 'Outbound commands an adapter finished or parked, by outcome',
  labelNames: ['network', 'outcome'] as const,
  registers: [registry],
});
