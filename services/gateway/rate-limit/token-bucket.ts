// The buckets moved to libs/collections (the adapters limit remote sources with them too).
export { TokenBuckets, type BucketPolicy, type TakeResult } from '../../../libs/collections/index.js';

/**
 * The client's address: the socket's, or with `hops` trusted proxies in front, the entry they
 * appended to X-Forwarded-For (counted from the right: the left part is whatever the client sent).
 */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | undefined, hops: number): string {
  const socket = normalize(socketAddress ?? 'unknown');
  if (hops === 0 || !forwardedFor) return socket;
  const chain = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
  const ip = chain[chain.length - hops];
  return ip ? normalize(ip) : chain.length ? normalize(chain[0]!) : socket;
}

/** ::ffff:1.2.3.4 and 1.2.3.4 are one client. */
function normalize(ip: string): string {
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();
}
