/**
 * Infrastructure checks the runner reports first: each peer answered its health check
 * (`peer:<network>`), and Pontis answered GET /health (`pontis:start`).
 */
import { NETWORKS, type Network } from '../../../libs/events/networks.js';
import { fetchT } from '../../../libs/harness/util.js';
import { defineScenario, type Scenario } from '../scenario.js';

function peerCheck(network: Network): Scenario {
  return defineScenario({
    id: `peer:${network}`,
    needs: [network],
    needsPontis: false,
    stage: 'peers',
    timeoutMs: 15_000,
    async run(ctx) {
      const startError = ctx.startErrors[network];
      if (startError) throw new Error(startError);
      const ok = await ctx.peer(network).health();
      if (!ok) throw new Error(`${network} peer started but its health check failed`);
    },
  });
}

export const scenarios: Scenario[] = [
  ...NETWORKS.map(peerCheck),
  defineScenario({
    id: 'pontis:start',
    needs: [],
    stage: 'pontis',
    timeoutMs: 10_000,
    async run(ctx) {
      if (ctx.startErrors.pontis) throw new Error(ctx.startErrors.pontis);
      if (!ctx.pontisUrl) throw new Error('pontis was not started');
      const res = await fetchT(`${ctx.pontisUrl}/health`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET /health answered ${res.status}`);
    },
  }),
];
