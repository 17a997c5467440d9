/**
 * activitypub-express makes no request of its own here (its `request`-based fetching, delivery
 * and JSON-LD context loading bypass the address guard): a server on 127.0.0.1 stands for any
 * remote or internal host, and must see nothing whatever apex is asked to resolve or deliver.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Apex } from 'activitypub-express';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { ApexPostgresStore } from '../store/apex-postgres-store.js';
import { createApex } from './apex-instance.js';

describe('activitypub-express makes no outgoing request (Postgres)', { timeout: 60_000 }, () => {
  let s: TestStore;
  let apex: Apex;
  let server: Server;
  let hits = 0;
  let at = '';

  before(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.setHeader('content-type', 'application/activity+json');
      res.end(JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', id: `${at}/users/eve`, type: 'Person', publicKey: { id: `${at}/users/eve#main-key`, publicKeyPem: 'x' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s = await createTestStore();
    apex = await createApex({ baseUrl: 'https://pontis.example', store: new ApexPostgresStore(s.ds, new SecretBox(randomBytes(32))), version: 't' });
  });
  after(async () => {
    server.close();
    await s?.drop();
  });

  it('resolves no remote object or key (what its inbox validators and verifySignature would fetch)', async () => {
    for (const id of [`${at}/users/eve`, `${at}/users/eve#main-key`]) {
      const got = await apex.resolveObject(id).catch(() => null);
      assert.ok(!got, `nothing resolved for ${id}`);
    }
    assert.equal(hits, 0, 'no request reached the server');
  });

  it('loads no JSON-LD context from the network (jsonld.documentLoaders.node)', async () => {
    const doc = await apex.fromJSONLD({ '@context': ['https://www.w3.org/ns/activitystreams', `${at}/context.jsonld`], id: `${at}/notes/1`, type: 'Note', content: 'hi' });
    assert.equal(doc.type, 'Note');
    assert.equal(hits, 0);
  });

  it('delivers nothing: its queue is off and a direct delivery fails loudly', async () => {
    assert.equal(apex.startDelivery(), undefined, 'offlineMode: the queue never runs');
    await assert.rejects(apex.deliver('https://pontis.example/ap/users/a', '{}', `${at}/inbox`, 'key'), /apex does not deliver here/);
    assert.equal(hits, 0);
  });
});
