import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PontisProcess } from '../../../libs/harness/pontis-process.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { testEnv, waitFor } from '../../../libs/testing/index.js';

interface Status {
  events: { bridged: number };
  networks: Record<string, { deliveries: Record<string, number> }>;
}

/**
 * `npm start` with no external network: the sandbox's real peers, Pontis pointed at them, and the
 * demo people linking themselves and posting. One test, as heavy as a newcomer's first start (four
 * peer servers and Pontis); on the real Postgres with the in-process bus, as the embedded mode runs.
 */
describe('sandbox demo people', { timeout: 420_000 }, () => {
  let store: TestStore;
  let pontis: PontisProcess;

  before(async () => {
    store = await createTestStore({ migrate: false });
    pontis = new PontisProcess({
      startTimeoutMs: 180_000,
      env: {
        PONTIS_SANDBOX: '1',
        PONTIS_SANDBOX_DEMO: undefined,
        DATABASE_URL: testEnv.databaseUrl,
        DATABASE_SCHEMA: store.schema,
        PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
        KAFKA_BROKERS: '',
        PONTIS_NOSTR_RELAYS: '',
        PONTIS_SOLID_URL: '',
        PONTIS_ATPROTO_PDS_URL: '',
        LOG_LEVEL: 'info',
      },
    });
    await pontis.start();
  });

  after(async () => {
    await pontis?.stop();
    await store?.drop();
  });

  it('links a person on each network and bridges their posts to the others within minutes', async () => {
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${pontis.baseUrl}/api/v1/status`)).json()) as Status;
        const delivered = Object.values(s.networks).reduce((sum, n) => sum + (n.deliveries.delivered ?? 0), 0);
        return s.events.bridged > 0 && delivered > 0 ? s : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 3_000, what: 'a demo post bridged and delivered to a sandbox peer' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; Pontis' last lines: ${pontis.outputTail(12)}`);
    });
    assert.ok(status.events.bridged > 0);
    // The Bluesky demo person's handle is fixed: the dashboard's lookup finds them, linked and opted in.
    const found = (await (await fetch(`${pontis.baseUrl}/api/v1/accounts?q=demo-bo.test`)).json()) as { items: { consent: string; matched: { kind: string } | null }[] };
    assert.equal(found.items[0]?.consent, 'opted_in');
    assert.equal(found.items[0]?.matched?.kind, 'native');
  });
});
