import { createSocket, type RemoteInfo } from 'node:dgram';
import { Resolver } from 'node:dns/promises';

/**
 * A DNS server on loopback that answers A queries from a function of the name and how many times
 * it was asked (TTL 0, so no resolver caches it): a rebinding attacker's name server in a few
 * lines. Everything else gets an empty answer.
 */
export async function startTinyDnsServer(answer: (name: string, nth: number) => string[]): Promise<{
  /** What the AddressGuard's `lookup` seam wants, resolving through this server only. */
  lookup: (host: string) => Promise<{ address: string }[]>;
  queries: (name: string) => number;
  close: () => Promise<void>;
}> {
  const asked = new Map<string, number>();
  const socket = createSocket('udp4');
  socket.on('message', (query: Buffer, from: RemoteInfo) => {
    const { name, end, type } = readQuestion(query);
    const nth = asked.get(name) ?? 0;
    asked.set(name, nth + 1);
    const addresses = type === 1 ? answer(name, nth) : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180, 2); // response, recursion desired and available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const records = addresses.map((a) => {
      const r = Buffer.alloc(16);
      r.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      r.writeUInt16BE(1, 2); // A
      r.writeUInt16BE(1, 4); // IN
      r.writeUInt32BE(0, 6); // TTL 0
      r.writeUInt16BE(4, 10);
      a.split('.').forEach((octet, i) => r.writeUInt8(Number(octet), 12 + i));
      return r;
    });
    socket.send(Buffer.concat([header, query.subarray(12, end), ...records]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([`127.0.0.1:${socket.address().port}`]);
  return {
    lookup: async (host) => (await resolver.resolve4(host)).map((address) => ({ address })),
    queries: (name) => asked.get(name) ?? 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function readQuestion(query: Buffer): { name: string; end: number; type: number } {
  const labels: string[] = [];
  let i = 12;
  while (i < query.length && query[i]! > 0) {
    labels.push(query.subarray(i + 1, i + 1 + query[i]!).toString('ascii'));
    i += 1 + query[i]!;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 5, type: query.readUInt16BE(i + 1) };
}
