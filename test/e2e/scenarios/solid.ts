/**
 * The Solid adapter inside a running Pontis, with the harness's Community Solid Server and Nostr
 * relay: a person links their pod (grant + link with their DPoP token, or a Solid-OIDC login
 * driven like a browser), a person links their Nostr key (NIP-98), and posts, replies, likes,
 * reposts, deletes and profiles cross in both directions.
 */
import { getPublicKey, type Event as NostrEvent } from 'nostr-tools/pure';
import { fetchT, type NostrRelayPeer, type SolidAccount, type SolidClient } from '../../../libs/harness/index.js';
import { bridgedPodName } from '../../../services/solid/identity/pod-names.js';
import { linkGrantAcl } from '../../../services/solid/pod/acl.js';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';
import { correctionOnRelay, linkedNostrKey, nostrArticle, publishNostr } from './nostr-person.js';

const AS2 = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS2}#Public`;
const JSONLD = { 'content-type': 'application/ld+json' };
/**
 * How long the helpers wait for a copy. A Nostr person's first note provisions their bridged pod
 * through the CSS account API, which on a loaded machine answers 500 ("Lock expired") and is
 * retried with backoff: 40 s was seen to be too short there. The scenario's own timeout still bounds it.
 */
const COPY_WAIT_MS = 90_000;

export interface SolidPerson {
  account: SolidAccount;
  client: SolidClient;
  webId: string;
  socialUrl: string;
}

export interface NostrPerson {
  sk: Uint8Array;
  pubkey: string;
}

async function bridgeWebId(ctx: E2EContext): Promise<string> {
  return ctx.waitFor(
    async () => {
      const s = (await (await fetchT(`${ctx.pontisUrl}/api/v1/solid/status`)).json()) as { running: boolean; bridgeWebId?: string; detail?: string };
      return s.running && s.bridgeWebId;
    },
    { what: 'the Solid adapter to run', timeoutMs: 30_000 },
  );
}

/** A person with their own pod: containers, the grant to the bridge's WebID, then the link. */
export async function linkSolid(ctx: E2EContext, name: string): Promise<SolidPerson> {
  const solid = ctx.peer('solid');
  const account = await solid.createAccount({ email: `${ctx.unique(name)}@example.org`, password: 'correct horse battery staple' });
  const client = solid.client(account);
  const socialUrl = new URL('social/', account.podUrl).href;
  for (const path of ['social/', 'social/outbox/', 'social/inbox/']) {
    const res = await client.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
    check(res.ok, `creating ${path}: ${res.status}`);
  }
  const granted = await client.fetch(`${socialUrl}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: linkGrantAcl(socialUrl, account.webId, await bridgeWebId(ctx)) });
  check(granted.ok, `grant: ${granted.status}`);
  // Signed in as herself: her app's DPoP-bound token for her WebID.
  const linked = await client.fetch(`${ctx.pontisUrl}/api/v1/solid/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webId: account.webId }) });
  check(linked.status === 200, `link answered ${linked.status}: ${await linked.text()}`);
  return { account, client, webId: account.webId, socialUrl };
}

export async function linkNostr(ctx: E2EContext): Promise<NostrPerson> {
  const sk = await linkedNostrKey(ctx);
  return { sk, pubkey: getPublicKey(sk) };
}

export async function nostrPublish(ctx: E2EContext, who: NostrPerson, kind: number, content: string, tags: string[][] = []): Promise<NostrEvent> {
  return publishNostr(ctx, who.sk, kind, content, tags);
}

export async function solidPut(p: SolidPerson, name: string, body: Record<string, unknown>): Promise<string> {
  const url = `${p.socialUrl}outbox/${name}`;
  const res = await p.client.fetch(url, { method: 'PUT', headers: JSONLD, body: JSON.stringify({ '@context': AS2, id: url, published: new Date().toISOString(), to: [PUBLIC], ...body }) });
  check(res.ok, `PUT ${url}: ${res.status}`);
  return url;
}

/** The note on the relay that carries `text` (the bridged copy of a Solid post). */
export function onRelay(ctx: E2EContext, filter: Parameters<NostrRelayPeer['query']>[0], pred: (e: NostrEvent) => boolean, what: string): Promise<NostrEvent> {
  return ctx.waitFor(async () => (await ctx.peer('nostr').query({ limit: 200, ...filter })).find(pred), { what, timeoutMs: COPY_WAIT_MS });
}

/** A bridged Nostr person's outbox on the bridge's Solid server (public listing, public posts). */
export function bridgedOutbox(ctx: E2EContext, who: NostrPerson): string {
  return new URL(`${bridgedPodName({ network: 'nostr', nativeId: who.pubkey, handle: null })}/social/outbox/`, ctx.peer('solid').info!.baseUrl).href;
}

export async function anonList(url: string): Promise<string[]> {
  const res = await fetchT(url, { headers: { accept: 'application/ld+json' } });
  if (!res.ok) return [];
  const doc = (await res.json()) as Record<string, unknown>[];
  const out: string[] = [];
  for (const n of doc) for (const c of (n['http://www.w3.org/ns/ldp#contains'] as { '@id': string }[] | undefined) ?? []) out.push(new URL(c['@id'], url).href);
  return out;
}

/** The first resource in a public listing whose AS2 body passes `pred`. */
export async function inOutbox(ctx: E2EContext, outbox: string, pred: (b: Record<string, any>) => boolean, what: string): Promise<{ url: string; body: Record<string, any> }> {
  return ctx.waitFor(
    async () => {
      for (const url of await anonList(outbox)) {
        const res = await fetchT(url, { headers: { accept: 'application/ld+json' } });
        if (!res.ok) continue;
        const body = (await res.json()) as Record<string, any>;
        if (pred(body)) return { url, body };
      }
      return undefined;
    },
    { what, timeoutMs: COPY_WAIT_MS },
  );
}

/** The person's own inbox (read as them). */
export async function inInbox(ctx: E2EContext, p: SolidPerson, pred: (b: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> {
  return ctx.waitFor(
    async () => {
      const res = await p.client.fetch(`${p.socialUrl}inbox/`, { headers: { accept: 'application/ld+json' } });
      const doc = (await res.json()) as Record<string, unknown>[];
      for (const n of doc)
        for (const c of (n['http://www.w3.org/ns/ldp#contains'] as { '@id': string }[] | undefined) ?? []) {
          const r = await p.client.fetch(new URL(c['@id'], p.socialUrl).href, { headers: { accept: 'application/ld+json' } });
          if (!r.ok) continue;
          const body = (await r.json()) as Record<string, any>;
          if (pred(body)) return body;
        }
      return undefined;
    },
    { what, timeoutMs: COPY_WAIT_MS },
  );
}

export const text = (b: Record<string, any>) => String(b.content ?? '');

/**
 * How an edit looks in a pod (docs/SOLID.md): the copy at `url` itself, PUT over with the new text
 * and `updated` set; no second resource in the outbox carries the new text.
 */
export async function editedInPlace(ctx: E2EContext, outbox: string, url: string, edited: string): Promise<Record<string, any>> {
  const read = async (u: string) => {
    const res = await fetchT(u, { headers: { accept: 'application/ld+json' } });
    return res.ok ? ((await res.json()) as Record<string, any>) : undefined;
  };
  const body = await ctx.waitFor(async () => {
    const b = await read(url);
    return b && text(b).includes(edited) ? b : undefined;
  }, { what: `the copy ${url} to be edited`, timeoutMs: 60_000 });
  check(typeof body.updated === 'string', `no updated time: ${JSON.stringify(body).slice(0, 800)}`);
  for (const other of (await anonList(outbox)).filter((u) => u !== url)) check(!text((await read(other)) ?? {}).includes(edited), `the edit was written as a second resource ${other}`);
  return body;
}

/** A Solid post and its copy on the relay. */
export async function solidPostOnNostr(ctx: E2EContext, alice: SolidPerson, words: string): Promise<{ url: string; copy: NostrEvent }> {
  const url = await solidPut(alice, ctx.unique('note'), { type: 'Note', attributedTo: alice.webId, content: words, mediaType: 'text/plain' });
  const copy = await onRelay(ctx, { kinds: [1] }, (e) => e.content.includes(words), 'the Solid post on the relay');
  return { url, copy };
}

/** A Nostr note and its copy in the bridged pod. */
export async function nostrPostInPod(ctx: E2EContext, bob: NostrPerson, words: string): Promise<{ note: NostrEvent; url: string }> {
  const note = await nostrPublish(ctx, bob, 1, words);
  const { url } = await inOutbox(ctx, bridgedOutbox(ctx, bob), (b) => b.type === 'Note' && text(b).includes(words), 'the Nostr note in the bridged pod');
  return { note, url };
}

export const NEEDS: ('solid' | 'nostr')[] = ['solid', 'nostr'];
export const T = 120_000;

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'link-login:solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const solid = ctx.peer('solid');
      const account = await solid.createAccount({ email: `${ctx.unique('lena')}@example.org`, password: 'correct horse battery staple' });
      await bridgeWebId(ctx);
      const start = await fetchT(`${ctx.pontisUrl}/api/v1/solid/login?webId=${encodeURIComponent(account.webId)}&archive=true`, { redirect: 'manual' });
      check(start.status === 303 && start.headers.get('location'), `login answered ${start.status}: ${await start.text()}`);
      const back = await solid.browserLogin(start.headers.get('location')!, account);
      check(back.startsWith(`${ctx.pontisUrl}/api/v1/solid/login/callback?`), `the provider sent the browser to ${back}`);
      const done = await fetchT(back, { timeoutMs: 60_000 });
      const body = (await done.json()) as Record<string, any>;
      check(done.status === 200 && body.webId === account.webId && body.grant === 'granted' && body.archive === true, `callback answered ${done.status}: ${JSON.stringify(body)}`);
      const cookie = done.headers.get('set-cookie')?.split(';')[0];
      check(cookie?.startsWith('pontis_solid='), 'no login cookie');
      // The signed-in browser may change her archive; the same request without the cookie may not.
      const json = { 'content-type': 'application/json' };
      const anon = await fetchT(`${ctx.pontisUrl}/api/v1/solid/archive`, { method: 'POST', headers: json, body: JSON.stringify({ webId: account.webId, enabled: false }) });
      check(anon.status === 401, `archive without signing in answered ${anon.status}`);
      const off = await fetchT(`${ctx.pontisUrl}/api/v1/solid/archive`, { method: 'POST', headers: { ...json, cookie: cookie! }, body: JSON.stringify({ enabled: false }) });
      check(off.status === 200 && ((await off.json()) as { archive?: boolean }).archive === false, `archive with the cookie answered ${off.status}`);
      // The grant her login made works: a post in her pod reaches Nostr.
      const client = solid.client(account);
      const words = `posted after a Solid-OIDC login ${ctx.unique('w')}`;
      await solidPut({ account, client, webId: account.webId, socialUrl: new URL('social/', account.podUrl).href }, ctx.unique('note'), { type: 'Note', attributedTo: account.webId, content: words, mediaType: 'text/plain' });
      await onRelay(ctx, { kinds: [1] }, (e) => e.content.includes(words), 'the post on the relay');
    },
  }),
  defineScenario({
    id: 'link-auth:solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const mallory = ctx.peer('solid').client(await ctx.peer('solid').createAccount({ email: `${ctx.unique('mallory')}@example.org`, password: 'correct horse battery staple' }));
      const url = `${ctx.pontisUrl}/api/v1/solid/archive`;
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webId: alice.webId, enabled: true }) };
      const anon = await fetchT(url, init);
      const anonBody = (await anon.json()) as { message?: string };
      check(anon.status === 401 && /sign in/.test(anonBody.message ?? ''), `anonymous: ${anon.status} ${JSON.stringify(anonBody)}`);
      const other = await mallory.fetch(url, init);
      const otherBody = (await other.json()) as { message?: string };
      check(other.status === 403 && /signed in as/.test(otherBody.message ?? ''), `someone else: ${other.status} ${JSON.stringify(otherBody)}`);
      const forged = await fetchT(url, { ...init, headers: { ...init.headers, authorization: 'DPoP eyJhbGciOiJFUzI1NiJ9.eyJ3ZWJpZCI6IngifQ.c2ln', dpop: 'x.y.z' } });
      check(forged.status === 401, `forged token: ${forged.status}`);
      const own = await alice.client.fetch(url, init);
      check(own.status === 200 && ((await own.json()) as { archive?: boolean }).archive === true, `alice herself: ${own.status}`);
    },
  }),
  defineScenario({
    id: 'post:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const words = `hello from a pod ${ctx.unique('w')}`;
      const { copy } = await solidPostOnNostr(ctx, alice, words);
      check(copy.tags.some((t) => t[0] === 'proxy' || t[0] === 'r' || t[0] === 'alt') || copy.content.includes(words), 'the copy does not carry the text');
    },
  }),
  defineScenario({
    id: 'post:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkNostr(ctx);
      const words = `hello from nostr ${ctx.unique('w')}`;
      const { url } = await nostrPostInPod(ctx, bob, words);
      const body = (await (await fetchT(url, { headers: { accept: 'application/ld+json' } })).json()) as Record<string, any>;
      check(body['@context'] === AS2, `not AS2-only JSON-LD: ${JSON.stringify(body['@context'])}`);
      check(typeof body.url?.href === 'string', 'no link back to the origin');
    },
  }),
  defineScenario({
    id: 'reply:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { url, copy } = await solidPostOnNostr(ctx, alice, `reply to me ${ctx.unique('w')}`);
      const words = `a reply from nostr ${ctx.unique('w')}`;
      await nostrPublish(ctx, bob, 1, words, [['e', copy.id, '', 'root'], ['p', copy.pubkey]]);
      const notice = await inInbox(ctx, alice, (b) => b.type === 'Create' && text(b.object ?? {}).includes(words), 'the reply in alice’s inbox');
      check(notice.object.inReplyTo === url, `inReplyTo ${notice.object.inReplyTo}, expected ${url}`);
    },
  }),
  defineScenario({
    id: 'reply:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { note, url } = await nostrPostInPod(ctx, bob, `reply to me ${ctx.unique('w')}`);
      const words = `a reply from a pod ${ctx.unique('w')}`;
      await solidPut(alice, ctx.unique('reply'), { type: 'Note', attributedTo: alice.webId, content: words, mediaType: 'text/plain', inReplyTo: url });
      const reply = await onRelay(ctx, { kinds: [1], '#e': [note.id] }, (e) => e.content.includes(words), 'the reply on the relay');
      check(reply.tags.some((t) => t[0] === 'p' && t[1] === bob.pubkey), 'the reply does not tag bob');
    },
  }),
  defineScenario({
    id: 'like:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { url, copy } = await solidPostOnNostr(ctx, alice, `like me ${ctx.unique('w')}`);
      await nostrPublish(ctx, bob, 7, '+', [['e', copy.id], ['p', copy.pubkey]]);
      await inInbox(ctx, alice, (b) => b.type === 'Like' && b.object === url, 'the like in alice’s inbox');
    },
  }),
  defineScenario({
    id: 'like:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { note, url } = await nostrPostInPod(ctx, bob, `like me ${ctx.unique('w')}`);
      await solidPut(alice, ctx.unique('like'), { type: 'Like', actor: alice.webId, object: url });
      await onRelay(ctx, { kinds: [7], '#e': [note.id] }, () => true, 'the like on the relay');
    },
  }),
  defineScenario({
    id: 'repost:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { url, copy } = await solidPostOnNostr(ctx, alice, `repost me ${ctx.unique('w')}`);
      await nostrPublish(ctx, bob, 6, JSON.stringify(copy), [['e', copy.id], ['p', copy.pubkey]]);
      await inInbox(ctx, alice, (b) => b.type === 'Announce' && b.object === url, 'the repost in alice’s inbox');
    },
  }),
  defineScenario({
    id: 'repost:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const bob = await linkNostr(ctx);
      const { note, url } = await nostrPostInPod(ctx, bob, `repost me ${ctx.unique('w')}`);
      await solidPut(alice, ctx.unique('announce'), { type: 'Announce', actor: alice.webId, object: url });
      await onRelay(ctx, { kinds: [6, 16], '#e': [note.id] }, () => true, 'the repost on the relay');
    },
  }),
  defineScenario({
    id: 'delete:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkNostr(ctx);
      const { note, url } = await nostrPostInPod(ctx, bob, `nostr delete me ${ctx.unique('w')}`);
      await nostrPublish(ctx, bob, 5, '', [['e', note.id], ['k', '1']]);
      // Anonymous readers get 401, not 404, for a missing resource here: the outbox grants the
      // public Read on itself only (no acl:default, so a private post is never public while its
      // own ACL is being written). Gone = out of the public listing and no longer readable.
      await ctx.waitFor(async () => !(await anonList(bridgedOutbox(ctx, bob))).includes(url) && [401, 404].includes((await fetchT(url, { headers: { accept: 'application/ld+json' } })).status), {
        what: `the pod copy ${url} to be removed`,
        timeoutMs: 60_000,
      });
    },
  }),
  defineScenario({
    id: 'delete:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const { url, copy } = await solidPostOnNostr(ctx, alice, `delete me ${ctx.unique('w')}`);
      const res = await alice.client.fetch(url, { method: 'DELETE' });
      check(res.ok, `DELETE ${res.status}`);
      // The relay applies the kind 5 (the note is gone) and keeps serving it (NIP-09).
      await ctx.waitFor(
        async () => (await ctx.peer('nostr').query({ kinds: [5], '#e': [copy.id] })).length > 0 && (await ctx.peer('nostr').query({ ids: [copy.id] })).length === 0,
        { what: 'the deletion on the relay', timeoutMs: 40_000 },
      );
    },
  }),
  defineScenario({
    id: 'media:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkNostr(ctx);
      const words = `a picture ${ctx.unique('w')}`;
      const alt = `a cat ${ctx.unique('a')}`;
      await nostrPublish(ctx, bob, 1, `${words} https://media.example/cat.jpg`, [['imeta', 'url https://media.example/cat.jpg', 'm image/jpeg', `alt ${alt}`]]);
      const { body } = await inOutbox(ctx, bridgedOutbox(ctx, bob), (b) => b.type === 'Note' && text(b).includes(words), 'the picture post in the bridged pod');
      const att = (Array.isArray(body.attachment) ? body.attachment : [body.attachment]).filter(Boolean);
      check(att.some((a: Record<string, any>) => a.name === alt && a.mediaType === 'image/jpeg'), `attachment missing: ${JSON.stringify(body.attachment)}`);
    },
  }),
  defineScenario({
    id: 'media:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const words = `a picture from a pod ${ctx.unique('w')}`;
      const img = `https://media.example/${ctx.unique('img')}.png`;
      await solidPut(alice, ctx.unique('pic'), { type: 'Note', attributedTo: alice.webId, content: words, mediaType: 'text/plain', attachment: [{ type: 'Image', url: img, mediaType: 'image/png', name: 'a pod picture' }] });
      const ev = await onRelay(ctx, { kinds: [1] }, (e) => e.content.includes(words), 'the picture post on the relay');
      const imeta = ev.tags.find((t) => t[0] === 'imeta' && t.includes(`url ${img}`));
      check(ev.content.includes(img) && imeta?.includes('alt a pod picture'), `image or its alt text missing: ${JSON.stringify(ev)}`);
    },
  }),
  defineScenario({
    id: 'profile:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      await solidPostOnNostr(ctx, alice, `first the post ${ctx.unique('w')}`); // her Nostr identity exists from here
      const name = `Alice ${ctx.unique('n')}`;
      const patch = `@prefix solid: <http://www.w3.org/ns/solid/terms#>.\n_:p a solid:InsertDeletePatch; solid:inserts { <${alice.webId}> <http://xmlns.com/foaf/0.1/name> "${name}". }.`;
      const res = await alice.client.fetch(alice.webId.replace(/#.*$/, ''), { method: 'PATCH', headers: { 'content-type': 'text/n3' }, body: patch });
      check(res.ok, `PATCH profile: ${res.status}`);
      await onRelay(ctx, { kinds: [0] }, (e) => { try { return JSON.parse(e.content).display_name === name || JSON.parse(e.content).name === name; } catch { return false; } }, 'the profile on the relay');
    },
  }),
  defineScenario({
    id: 'profile:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkNostr(ctx);
      const name = `Bob ${ctx.unique('n')}`;
      await nostrPublish(ctx, bob, 0, JSON.stringify({ name, about: 'bridged to a pod' }));
      const profile = new URL('../profile', bridgedOutbox(ctx, bob)).href;
      await ctx.waitFor(
        async () => {
          const res = await fetchT(profile, { headers: { accept: 'application/ld+json' } });
          return res.ok && ((await res.json()) as Record<string, unknown>).name === name;
        },
        { what: 'the profile in the bridged pod', timeoutMs: 40_000 },
      );
    },
  }),
  defineScenario({
    id: 'edit:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      // A NIP-23 article is the editable Nostr note (as in edit:nostr->activitypub): a new version, same `d`.
      const bob = await linkNostr(ctx);
      const article = nostrArticle(ctx, bob.sk, 'A pod article');
      const before = `article before the edit ${ctx.unique('w')}`;
      await article.publish(before);
      const outbox = bridgedOutbox(ctx, bob);
      const { url } = await inOutbox(ctx, outbox, (b) => b.type === 'Article' && text(b).includes(before), 'the article in the bridged pod');
      const after = `article after the edit ${ctx.unique('w')}`;
      await article.publish(after);
      const body = await editedInPlace(ctx, outbox, url, after);
      check(body.type === 'Article' && body.name === 'A pod article', `the edited copy is a ${body.type} named ${JSON.stringify(body.name)}`);
    },
  }),
  defineScenario({
    id: 'edit:solid->nostr',
    needs: NEEDS,
    // The edit waits for the next periodic reconciliation (up to 20 s, more on a loaded machine).
    timeoutMs: 180_000,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const { url, copy } = await solidPostOnNostr(ctx, alice, `pod before the edit ${ctx.unique('w')}`);
      const edited = `pod after the edit ${ctx.unique('w')}`;
      // PUT over the resource; a change inside a member notifies no container channel, so the periodic
      // reconciliation (every 20 s under the harness) finds the new ETag.
      await solidPut(alice, url.split('/').pop()!, { type: 'Note', attributedTo: alice.webId, content: edited, mediaType: 'text/plain', updated: new Date().toISOString() });
      await correctionOnRelay(ctx, copy, edited, 70_000);
    },
  }),
  defineScenario({
    id: 'content-warning:nostr->solid',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const bob = await linkNostr(ctx);
      const outbox = bridgedOutbox(ctx, bob);
      // NIP-36: the tag's value is the reason, and it may have none. AS2 has only `summary` for a
      // warning (as Mastodon reads it), so a warning without a reason still gets one (docs/SOLID.md).
      const words = `nostr behind a warning ${ctx.unique('w')}`;
      const bare = `nostr behind a bare warning ${ctx.unique('w')}`;
      await nostrPublish(ctx, bob, 1, words, [['content-warning', 'film plot']]);
      await nostrPublish(ctx, bob, 1, bare, [['content-warning']]);
      const { body } = await inOutbox(ctx, outbox, (b) => b.type === 'Note' && text(b).includes(words), 'the note with a warning in the bridged pod');
      check(body.summary === 'film plot', `summary is ${JSON.stringify(body.summary)}`);
      const { body: bareBody } = await inOutbox(ctx, outbox, (b) => b.type === 'Note' && text(b).includes(bare), 'the note with a bare warning in the bridged pod');
      check(typeof bareBody.summary === 'string' && bareBody.summary.length > 0, `a warning without a reason was lost: summary ${JSON.stringify(bareBody.summary)}`);
    },
  }),
  defineScenario({
    id: 'content-warning:solid->nostr',
    needs: NEEDS,
    timeoutMs: T,
    async run(ctx) {
      const alice = await linkSolid(ctx, 'alice');
      const words = `pod behind a warning ${ctx.unique('w')}`;
      await solidPut(alice, ctx.unique('cw'), { type: 'Note', attributedTo: alice.webId, content: words, mediaType: 'text/plain', summary: 'film plot' });
      const ev = await onRelay(ctx, { kinds: [1] }, (e) => e.content.includes(words), 'the note with a warning on the relay');
      check(ev.tags.some((t) => t[0] === 'content-warning' && t[1] === 'film plot'), `no NIP-36 content-warning tag: ${JSON.stringify(ev.tags)}`);
      check(!ev.content.includes('film plot'), `the warning leaked into the text: ${ev.content}`);
    },
  }),
];
