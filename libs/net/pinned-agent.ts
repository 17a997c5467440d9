import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { AddressGuard } from './address-guard.js';

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An undici Agent whose every new connection asks the guard for the addresses to use: the name is
 * resolved once, every address is checked, and the socket is opened only to those (net.connect's
 * `lookup`), so what was checked is what is connected to. Address literals never reach `lookup`,
 * so they are checked before connecting (a redirect to http://127.0.0.1/ lands here too).
 */
export function pinnedAgent(guard: Pick<AddressGuard, 'connectableAddresses'>): Agent {
  const lookup = (host: string, options: { all?: boolean; family?: number }, cb: LookupCallback): void => {
    guard.connectableAddresses(host).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        if (!wanted.length) return cb(Object.assign(new Error(`${host} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), []);
        if (options.all) cb(null, wanted);
        else cb(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: Error) => cb(err, []),
    );
  };
  const connectByName = buildConnector({ lookup } as buildConnector.BuildOptions);
  return new Agent({
    connect: (opts, cb) => {
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      if (!isIP(host)) return connectByName(opts, cb);
      guard.connectableAddresses(host).then(
        () => connectByName(opts, cb),
        (err: Error) => cb(err, null),
      );
    },
  });
}
