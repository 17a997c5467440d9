/**
 * Proves each peer is usable from a scenario the way a protocol adapter will use it.
 * No Pontis involved.
 */
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent } from '../../../libs/harness/peers/nostr-relay-peer.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type Scenario } from '../scenario.js';

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'peer-smoke:atproto',
    needs: ['atproto'],
    needsPontis: false,
    async run(ctx) {
      const pds = ctx.peer('atproto');
      const handle = `${ctx.unique('smoke')}.test`;
      const password = 'smoke-password-1';
      const account = await pds.createAccount({ handle, email: `${handle}@example.com`, password });
      const agent = await pds.login(handle, password);
      check(agent.session?.did === account.did, `login gave did ${agent.session?.did}, createAccount gave ${account.did}`);
      const text = `hello from the e2e harness ${Date.now()}`;
      const created = await agent.com.atproto.repo.createRecord({
        repo: account.did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() },
      });
      const rkey = created.data.uri.split('/').pop()!;
      // Read back unauthenticated, as any other client of the PDS would.
      const url = `${pds.info!.pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${encodeURIComponent(account.did)}&collection=app.bsky.feed.post&rkey=${rkey}`;
      const res = await fetchT(url);
      check(res.ok, `getRecord answered ${res.status}`);
      const got = (await res.json()) as { uri?: string; cid?: string; value?: { text?: string } };
      check(got.uri === created.data.uri, `getRecord uri ${got.uri} != ${created.data.uri}`);
      check(got.cid === created.data.cid, `getRecord cid ${got.cid} != ${created.data.cid}`);
      check(got.value?.text === text, `getRecord text ${JSON.stringify(got.value?.text)} != ${JSON.stringify(text)}`);
    },
  }),

  defineScenario({
    id: 'peer-smoke:solid',
    needs: ['solid'],
    needsPontis: false,
    async run(ctx) {
      const solid = ctx.peer('solid');
      const name = ctx.unique('smoke');
      const account = await solid.createAccount({ email: `${name}@example.com`, password: 'smoke-password-1', podName: name });
      const client = solid.client(account);
      const url = `${account.podUrl}pontis/notes/first.jsonld`;
      const note = {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: url,
        type: 'Note',
        attributedTo: account.webId,
        content: 'hello from the e2e harness',
        published: new Date().toISOString(),
      };
      const put = await client.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body: JSON.stringify(note) });
      check(put.status === 201 || put.status === 205 || put.status === 204, `PUT answered ${put.status}: ${(await put.text()).slice(0, 200)}`);
      const get = await client.fetch(url, { headers: { accept: 'application/ld+json' } });
      check(get.ok, `GET answered ${get.status}`);
      const back = (await get.json()) as Record<string, unknown>;
      check(back.content === note.content && back.type === 'Note', `GET gave back ${JSON.stringify(back).slice(0, 200)}`);
      // The pod is private by default: without credentials the same read must be refused.
      const anon = await fetchT(url);
      await anon.arrayBuffer();
      check(anon.status === 401 || anon.status === 403, `anonymous GET answered ${anon.status}, expected 401/403`);
    },
  }),

  defineScenario({
    id: 'peer-smoke:nostr',
    needs: ['nostr'],
    needsPontis: false,
    async run(ctx) {
      const relay = ctx.peer('nostr');
      const sk = generateSecretKey();
      const pubkey = getPublicKey(sk);
      const content = `hello from the e2e harness ${ctx.unique('n')}`;
      // Copies through JSON: nostr-tools caches a verify verdict on the event object.
      const good = JSON.parse(JSON.stringify(finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content }, sk))) as NostrEvent;
      const ok = await relay.publish(good);
      check(ok.accepted, `relay refused a valid event: ${ok.message}`);
      const found = await relay.query({ ids: [good.id] });
      check(found.length === 1 && found[0]!.content === content && found[0]!.pubkey === pubkey, `query gave ${JSON.stringify(found).slice(0, 200)}`);

      // Same author, valid id, signature of a different event: must be rejected and not stored.
      const other = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: `${content} (forged)` }, sk);
      const forged = JSON.parse(JSON.stringify(other)) as NostrEvent;
      forged.sig = good.sig;
      const verdict = await relay.publish(forged);
      check(!verdict.accepted, 'relay ACCEPTED an event with a forged signature');
      const stored = await relay.query({ ids: [forged.id] });
      check(stored.length === 0, 'relay stored the forged event');
      ctx.log(`nostr: forged event refused with "${verdict.message}"`);
    },
  }),

  defineScenario({
    id: 'peer-smoke:activitypub',
    needs: ['activitypub'],
    needsPontis: false,
    async run(ctx) {
      const ap = ctx.peer('activitypub');
      const alice = await ap.createUser(ctx.unique('alice'));
      const bob = await ap.createUser(ctx.unique('bob'));

      await ap.follow(bob.name, alice.id);
      await ctx.waitFor(async () => (await ap.followers(alice.name)).some((f) => f.id === bob.id), { what: 'alice to record bob as follower', timeoutMs: 10_000 });
      await ctx.waitFor(async () => (await ap.following(bob.name)).some((f) => f.id === alice.id && f.accepted), { what: "alice's signed Accept to reach bob", timeoutMs: 10_000 });

      const note = await ap.createNote(alice.name, { content: '<p>hello followers</p>' });
      const create = await ctx.waitFor(
        async () => (await ap.received(bob.name)).find((a) => a.type === 'Create' && a.objectId === note.noteId),
        { what: 'the signed Create(Note) in bob\'s inbox', timeoutMs: 10_000 },
      );
      check(create.actor === alice.id, `Create came from ${create.actor}`);
      check(JSON.stringify(create.json).includes('hello followers'), 'Create does not carry the note content');

      // An unsigned POST claiming to be bob must be refused and never reach the listener.
      const forgedId = `${bob.id}/activities/${ctx.unique('forged')}`;
      const res = await fetchT(alice.inbox, {
        method: 'POST',
        headers: { 'content-type': 'application/activity+json' },
        body: JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', id: forgedId, type: 'Create', actor: bob.id, object: { type: 'Note', content: 'forged' } }),
      });
      await res.arrayBuffer();
      check(res.status === 401 || res.status === 403, `unsigned POST answered ${res.status}, expected 401`);
      check(!(await ap.received(alice.name)).some((a) => a.id === forgedId), 'the unsigned activity reached the inbox listener');
    },
  }),
];
