/**
 * A commit is verified against its author's key from the DID document. @atproto/sync reports a
 * failed resolution as a bad commit and moves on, so a PLC directory that times out or answers 5xx
 * for a moment would cost the events it was asked about (seen in the fault stream: docs/FAULTS.md).
 * A transient failure is therefore retried here, inside the resolver, until it resolves or the
 * ingest stops: the DID's queue waits, backpressure stops reading when queues fill, and the cursor
 * never passes an event that was not handled. A permanent answer (no such DID, a malformed
 * document, an address the guard refuses) still fails at once.
 */
import type { IdResolver } from '@atproto/identity';
import { sleep } from '../../../libs/bus/backoff.js';

/** A timeout, a connection failure, or a 429/5xx answer: worth asking again. */
export function isTransientResolutionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  if (err instanceof TypeError && err.message === 'fetch failed') return true;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

export function retryTransientResolution(
  resolver: IdResolver,
  o: { stopping: () => boolean; onRetry?: (did: string, attempt: number, err: Error) => void; baseMs?: number; maxMs?: number },
): void {
  const did = resolver.did;
  const resolve = did.resolve.bind(did);
  did.resolve = async (id: string, forceRefresh?: boolean) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await resolve(id, forceRefresh);
      } catch (err) {
        if (!isTransientResolutionError(err) || o.stopping()) throw err;
        o.onRetry?.(id, attempt, err as Error);
        await sleep(Math.min(o.maxMs ?? 30_000, (o.baseMs ?? 250) * 2 ** attempt));
      }
    }
  };
}
