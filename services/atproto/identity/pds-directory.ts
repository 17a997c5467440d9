import type { IdResolver } from '@atproto/identity';
import { createIdResolver } from './id-resolver.js';
import { Lru } from '../../../libs/collections/index.js';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { parseAtUri } from '../mapping/index.js';
import { xrpcJson } from '../publish/xrpc-http.js';

/**
 * Where a DID's repo lives: our PDS for bridged accounts, otherwise the PDS its DID document
 * names (resolved through PLC, cached). Also reads a record's current CID for refs that came
 * without one.
 */
export class PdsDirectory {
  readonly resolver: IdResolver;
  private readonly cache = new Lru<string>(10_000);

  constructor(
    readonly ownPds: string,
    plcUrl: string,
    allowPrivate = false,
  ) {
    this.resolver = createIdResolver(plcUrl, allowPrivate, ownPds);
  }

  async pdsOf(did: string): Promise<string> {
    const hit = this.cache.get(did);
    if (hit) return hit;
    const data = await this.resolver.did.resolveAtprotoData(did).catch((err: Error) => {
      throw new DeliveryError(`cannot resolve ${did}: ${err.message}`, { kind: 'transient', target: 'plc', status: 'resolve' });
    });
    this.cache.set(did, data.pds.replace(/\/$/, ''));
    return data.pds.replace(/\/$/, '');
  }

  async getRecordCid(uri: string): Promise<string | undefined> {
    const p = parseAtUri(uri);
    if (!p) return undefined;
    const service = await this.pdsOf(p.did).catch(() => this.ownPds);
    try {
      const r = await xrpcJson<{ cid?: string }>(service, 'com.atproto.repo.getRecord', { repo: p.did, collection: p.collection, rkey: p.rkey });
      return r.cid;
    } catch (err) {
      if (err instanceof DeliveryError && err.kind === 'permanent') return undefined; // not there (any more)
      throw err;
    }
  }
}
