/**
 * What pinning connections to the guard's approved addresses costs: GETs to a server on loopback
 * through Node's global fetch (unpinned), `AddressGuard.fetch` to an address literal, and
 * `AddressGuard.fetch` to a name checked at connect, with keep-alive and with a new connection per
 * request (`--close`). CPU time of this process (client and server both) per request, two rounds.
 *   node dist/bench/pinned-fetch-bench.js [--n 1000] [--close]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AddressGuard } from '../libs/net/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, close: { type: 'boolean', default: false } } });
const n = Number(values.n);
const server = createServer((_req, res) => {
  if (values.close) res.setHeader('connection', 'close');
  res.end('{"ok":true}');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const literal = new AddressGuard({ allowPrivate: true });
// 127.0.0.1 counts as public for this guard, so the name goes through the check at connect time.
const named = new AddressGuard({ isPrivate: (a) => a !== '127.0.0.1', lookup: async () => [{ address: '127.0.0.1' }] });

async function run(label: string, get: () => Promise<Response>): Promise<void> {
  for (let i = 0; i < 50; i++) await (await get()).text();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await (await get()).text();
  const cpu = process.cpuUsage(cpu0);
  const perRequestUs = (cpu.user + cpu.system) / n;
  console.log(`${label.padEnd(46)} CPU ${perRequestUs.toFixed(0).padStart(5)} µs/request, wall ${((performance.now() - t0) / n).toFixed(2)} ms/request`);
}

console.log(`${n} GETs each, ${values.close ? 'a new connection per request' : 'keep-alive'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const round of [1, 2]) {
  await run(`round ${round}: global fetch (unpinned)`, () => fetch(`http://127.0.0.1:${port}/`));
  await run(`round ${round}: guard.fetch, address literal`, () => literal.fetch(`http://127.0.0.1:${port}/`));
  await run(`round ${round}: guard.fetch, name checked at connect`, () => named.fetch(`http://peer.test:${port}/`));
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
server.close();
process.exit(0);
