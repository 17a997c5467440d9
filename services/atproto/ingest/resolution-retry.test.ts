import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdResolver } from '@atproto/identity';
import { isTransientResolutionError, retryTransientResolution } from './resolution-retry.js';

const DOC = { id: 'did:plc:abc', alsoKnownAs: [], verificationMethod: [], service: [] };

/** A resolver whose PLC answers come from `answers`, one per request (a real IdResolver, fetch replaced). */
function resolverAnswering(answers: Array<() => Response | Promise<Response>>): { resolver: IdResolver; asked: () => number } {
  let n = 0;
  const fetch = (async () => answers[Math.min(n++, answers.length - 1)]!()) as unknown as typeof globalThis.fetch;
  return { resolver: new IdResolver({ plcUrl: 'http://plc.invalid', fetch }), asked: () => n };
}

describe('DID resolution under a failing directory', () => {
  it('tells transient failures from answers', () => {
    assert.equal(isTransientResolutionError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), true);
    assert.equal(isTransientResolutionError(new TypeError('fetch failed')), true);
    assert.equal(isTransientResolutionError(Object.assign(new Error('Bad Gateway'), { status: 502 })), true);
    assert.equal(isTransientResolutionError(Object.assign(new Error('Too Many Requests'), { status: 429 })), true);
    assert.equal(isTransientResolutionError(Object.assign(new Error('Bad Request'), { status: 400 })), false);
    assert.equal(isTransientResolutionError(new Error('refused http://10.0.0.1/: private address')), false);
  });

  it('asks again after timeouts and 5xx until the directory answers', async () => {
    const { resolver, asked } = resolverAnswering([
      () => Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      () => new Response('down', { status: 503, statusText: 'Service Unavailable' }),
      () => Response.json(DOC),
    ]);
    const retries: number[] = [];
    retryTransientResolution(resolver, { stopping: () => false, baseMs: 1, onRetry: (_d, attempt) => retries.push(attempt) });
    assert.deepEqual(await resolver.did.resolve('did:plc:abc'), DOC);
    assert.equal(asked(), 3);
    assert.deepEqual(retries, [0, 1]);
  });

  it('answers "no such DID" at once, and stops retrying when the ingest stops', async () => {
    const missing = resolverAnswering([() => new Response('', { status: 404 })]);
    retryTransientResolution(missing.resolver, { stopping: () => false, baseMs: 1 });
    assert.equal(await missing.resolver.did.resolve('did:plc:abc'), null);
    assert.equal(missing.asked(), 1);

    let stopping = false;
    const down = resolverAnswering([() => new Response('down', { status: 502, statusText: 'Bad Gateway' })]);
    retryTransientResolution(down.resolver, { stopping: () => stopping, baseMs: 1, onRetry: (_d, attempt) => void (attempt === 2 && (stopping = true)) });
    await assert.rejects(down.resolver.did.resolve('did:plc:abc'), /Bad Gateway/);
    assert.equal(down.asked(), 4);
  });
});
