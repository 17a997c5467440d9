/**
 * The ActivityPub deliverer's own cost per delivered post: `node dist/bench/ap-delivery-cost.js
 * [count] [lanes]` (default 200 posts, 8 at once as the outbound runner's account lanes). Our
 * service in this process (Postgres, its own schema), a Fedify peer in its own child process
 * whose user follows the bridged actor, so each post is a signed POST to a real inbox. Prints one
 * JSON line: CPU ms of this process per delivery (process.cpuUsage: the deliverer, its database
 * driver and our HTTP server answering the peer's fetches; not the peer) and wall ms per delivery.
 * Measures deliver() alone: the runner's ledger and receipts are not in it.
 */
import { loadavg } from 'node:os';
import { eventFixture, type BridgeEvent } from '../libs/events/index.js';
import { commandFor } from '../libs/adapter/testing.js';
import { setLogLevel } from '../libs/observability/index.js';
import { seedAccount, waitFor } from '../libs/testing/index.js';
import { startApFixture } from '../services/activitypub/testing/ap-fixture.js';

setLogLevel('error');
const count = Number(process.argv[2] ?? 200);
const lanes = Number(process.argv[3] ?? 8);
const WARM_UP = 20;

const f = await startApFixture();
try {
  const account = await seedAccount(f.s.ds, [{ network: 'nostr', id: 'd1'.repeat(32), handle: 'cost@nostr.example', kind: 'native' }]);
  const me = (await f.svc.actors.ensure(account, { displayName: 'Cost' })).id;
  const reader = await f.peer.createUser(`reader${Date.now().toString(36)}`);
  await f.peer.follow(reader.name, me);
  await waitFor(async () => (await f.svc.followers.ids(me)).includes(reader.id), { timeoutMs: 60_000, what: 'the Fedify follower stored' });

  let n = 0;
  const post = (): BridgeEvent => {
    const e = eventFixture('post.created');
    e.source = { network: 'nostr', id: (++n).toString(16).padStart(64, '0') };
    e.id = `nostr:${e.source.id}`;
    e.actor = { network: 'nostr', id: 'd1'.repeat(32) };
    e.trace = { origin: 'nostr', hops: 0 };
    return e;
  };
  const run = async (total: number) => {
    let left = total;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (left-- > 0) await f.svc.deliverer.deliver(commandFor(post(), 'activitypub', account));
      }),
    );
  };
  await run(WARM_UP); // first use: JIT, the peer fetching our actor and key
  const load = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(count);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await waitFor(async () => (await f.peer.received(reader.name)).length >= count + WARM_UP, { timeoutMs: 120_000, what: 'every post verified by the peer' });
  console.log(
    JSON.stringify({
      bench: 'ap-delivery-cost',
      deliveries: count,
      lanes,
      cpuMsPerDelivery: +((cpu.user + cpu.system) / 1000 / count).toFixed(2),
      wallMsPerDelivery: +(wallMs / count).toFixed(2),
      deliveriesPerSecond: +((count * 1000) / wallMs).toFixed(1),
      loadAverage1m: +load.toFixed(1),
      at: new Date().toISOString(),
    }),
  );
} finally {
  await f.stop();
}
