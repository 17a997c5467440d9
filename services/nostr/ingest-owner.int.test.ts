/**
 * Two replicas of the Nostr service (real processes) on one PostgreSQL: relay ingest runs on one
 * of them only (SingleOwner), and moves to the other when the owner is killed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NostrRelayPeer, PontisProcess } from '../../libs/harness/index.js';
import { fetchT } from '../../libs/harness/util.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { testEnv, waitFor } from '../../libs/testing/index.js';

type Health = { components: Record<string, { ok: boolean; detail: string }> };

describe('Nostr ingest has one owner among replicas', { timeout: 180_000 }, () => {
  let s: TestStore;
  let relay: NostrRelayPeer;
  const replicas: PontisProcess[] = [];
  const standby = /ingest on another replica/;

  const detail = async (p: PontisProcess): Promise<string> => {
    const h = (await (await fetchT(`${p.baseUrl}/health`)).json()) as Health;
    return h.components['adapter:nostr']?.detail ?? '';
  };

  before(async () => {
    s = await createTestStore();
    relay = new NostrRelayPeer();
    await relay.start();
    const env = {
      PONTIS_SERVICES: 'nostr',
      PONTIS_SANDBOX: '0',
      DATABASE_URL: testEnv.databaseUrl,
      DATABASE_SCHEMA: s.schema,
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `owner${randomBytes(4).toString('hex')}.`,
      PONTIS_MASTER_KEY: randomBytes(32).toString('hex'),
      PONTIS_NOSTR_RELAYS: relay.info!.url,
      PONTIS_ALLOW_PRIVATE_ADDRESSES: '1',
    };
    // One after the other: two processes bootstrapping at the same instant can still trip over each
    // other creating the same Kafka topics (see the session note); ownership is what is tested here.
    for (let i = 0; i < 2; i++) {
      const p = new PontisProcess({ env });
      replicas.push(p);
      await p.start();
    }
  });
  after(async () => {
    await Promise.all(replicas.map((p) => p.stop()));
    await relay?.stop();
    await s?.drop();
  });

  it('one replica ingests, the other stands by, and takes over when the owner dies', async () => {
    const [owner, other] = await waitFor(
      async () => {
        const [a, b] = await Promise.all(replicas.map(detail));
        if (standby.test(a!) !== standby.test(b!) && /connected/.test(standby.test(a!) ? b! : a!)) return standby.test(a!) ? [replicas[1]!, replicas[0]!] : [replicas[0]!, replicas[1]!];
        return false;
      },
      { what: 'one owner and one standby', timeoutMs: 60_000 },
    );
    process.kill(owner.pid!, 'SIGKILL');
    await waitFor(async () => !standby.test(await detail(other)), { what: 'the standby to take over ingest', timeoutMs: 60_000 });
    assert.match(await detail(other), /connected/);
  });
});
