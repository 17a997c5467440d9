/**
 * Authorized fetch (PONTIS_AP_AUTHORIZED_FETCH) against the Fedify peer, which signs its GETs the
 * way Mastodon does when asked (its authenticated document loader). Postgres (own schema), the
 * in-process bus (nothing here goes through Kafka).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { commandFor } from '../../libs/adapter/testing.js';
import { eventFixture, type BridgeEvent } from '../../libs/events/index.js';
import type { ActivityPubPeer, ApUser } from '../../libs/harness/index.js';
import type { TestStore } from '../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { INSTANCE_USERNAME, type ActivityPubService } from './activitypub-service.js';
import { startApFixture, type ApFixture } from './testing/ap-fixture.js';

import { PUBLIC_ACTOR_FIELDS } from './federation/authorized-fetch.js';
import { signRequest } from './federation/http-signature.js';
import type { AsObject } from './mapping/index.js';

const AP = { accept: 'application/activity+json' };
const NOSTR_PK = 'cd'.repeat(32);

function nostrPost(text: string): BridgeEvent {
  const e = eventFixture('post.created');
  e.id = `nostr:${'7'.repeat(64)}`;
  e.source = { network: 'nostr', id: '7'.repeat(64) };
  e.actor = { network: 'nostr', id: NOSTR_PK, handle: 'erin@nostr.example' };
  e.trace = { origin: 'nostr', hops: 0 };
  e.object = { ...e.object!, text, html: undefined, facets: [], attachments: [], url: undefined, language: undefined };
  return e;
}

describe('authorized fetch with a Fedify server', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: ActivityPubPeer;
  let svc: ActivityPubService;
  let base: string;
  let me: string;
  let noteId: string;
  let dave: ApUser;
  let f: ApFixture;

  before(async () => {
    f = await startApFixture({ authorizedFetch: true });
    ({ s, peer, svc, base } = f);
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: NOSTR_PK, handle: 'erin@nostr.example', kind: 'native' }]);
    me = (await svc.actors.ensure(account, { displayName: 'Erin', summary: 'on nostr' })).id;
    const result = await svc.deliverer.deliver(commandFor(nostrPost('only for signed readers'), 'activitypub', account));
    noteId = result.ref!.id;
    dave = await peer.createUser(`dave${randomBytes(3).toString('hex')}`);
  });

  after(async () => {
    await f?.stop();
  });

  it('an unsigned GET of an actor gets only the public key document (Mastodon restricted actor), varying on Signature', async () => {
    const res = await fetch(me, { headers: AP });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('vary') ?? '', /Signature/);
    const doc = (await res.json()) as AsObject;
    assert.deepEqual(Object.keys(doc).sort(), [...PUBLIC_ACTOR_FIELDS].filter((k) => doc[k] !== undefined).sort());
    assert.equal(doc.id, me);
    assert.match(String((doc.publicKey as AsObject).publicKeyPem), /BEGIN PUBLIC KEY/);
    assert.equal(doc.name, undefined, 'no profile without a signature');
    assert.equal(doc.summary, undefined);
  });

  it('a GET signed by a Fedify user gets the full actor, objects and collections', async () => {
    const actor = await peer.signedGet(dave.name, me);
    assert.equal(actor.name, 'Erin');
    assert.ok(actor.followers, 'full document');
    const note = await peer.signedGet(dave.name, noteId);
    assert.match(JSON.stringify(note), /only for signed readers/);
    const outbox = await peer.signedGet(dave.name, `${me}/outbox`);
    assert.match(String(outbox.type), /Collection/);
  });

  it('unsigned GETs of objects and collections are refused with 401', async () => {
    for (const url of [noteId, `${me}/outbox`, `${me}/followers`, `${me}/following`]) {
      const res = await fetch(url, { headers: AP });
      assert.equal(res.status, 401, url);
      assert.match(((await res.json()) as { error: string }).error, /signed GETs/);
    }
  });

  it('a forged signature (a key that is not the one its keyId names) is refused with 401, also for an actor', async () => {
    const daveDoc = (await (await fetch(dave.id, { headers: AP })).json()) as AsObject;
    const keyId = String((daveDoc.publicKey as AsObject).id);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const url of [noteId, me]) {
      const headers = signRequest({ keyId, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), method: 'GET', url });
      const res = await fetch(url, { headers: { ...AP, ...headers } });
      assert.equal(res.status, 401, url);
      assert.match(((await res.json()) as { error: string }).error, /does not verify/);
    }
  });

  it('the instance actor, WebFinger and NodeInfo stay public', async () => {
    const instance = await fetch(`${base}/ap/users/${INSTANCE_USERNAME}`, { headers: AP });
    assert.equal(instance.status, 200);
    assert.ok(((await instance.json()) as AsObject).name, 'full instance actor');
    const domain = new URL(base).host;
    assert.equal((await fetch(`${base}/.well-known/webfinger?resource=acct:erin.nostr.example@${domain}`)).status, 200);
    assert.equal((await fetch(`${base}/.well-known/nodeinfo`)).status, 200);
  });

  it('federation still works: a Fedify user follows the bridged actor and verifies our signed Accept', async () => {
    await peer.follow(dave.name, me);
    await waitFor(async () => (await peer.following(dave.name)).find((f) => f.id === me && f.accepted), { timeoutMs: 30_000, what: 'Fedify to accept our Accept' });
    assert.deepEqual(await svc.followers.ids(me), [dave.id]);
  });
});
