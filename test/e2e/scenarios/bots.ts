/**
 * The bridge's bot accounts, the way people opt in and out from inside their own network: a person
 * on the real peer follows (or messages `start` to) the bot, and their next post appears on another
 * network; they block it (or message `stop`), their copies there are deleted (checked on the peer),
 * and their next post stays at home. Nobody is linked by any other means first.
 */
import * as nip04 from 'nostr-tools/nip04';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { ActivityPubPeer } from '../../../libs/harness/index.js';
import type { NostrEvent } from '../../../libs/harness/peers/nostr-relay-peer.js';
import { fetchT } from '../../../libs/harness/util.js';
import { linkGrantAcl } from '../../../services/solid/pod/acl.js';
import { check, defineScenario, type E2EContext, type Scenario } from '../scenario.js';
import { byText, createRecord, findRecord, getRecord, POST, waitRecord } from './atproto.js';
import { solidPut, type SolidPerson } from './solid.js';

const T = 150_000;
/** How long a post that must stay at home is given to show up anyway. */
const QUIET_MS = 8_000;
const nowS = () => Math.floor(Date.now() / 1000);

/** The consent the public account API shows for `q` (any handle or id), or undefined when unknown. */
async function consentOf(ctx: E2EContext, q: string): Promise<string | undefined> {
  const res = await fetchT(`${ctx.pontisUrl}/api/v1/accounts?q=${encodeURIComponent(q)}`);
  if (!res.ok) return undefined;
  return ((await res.json()) as { items: { consent: string }[] }).items[0]?.consent;
}

const waitConsent = (ctx: E2EContext, q: string, consent: string, what: string) =>
  ctx.waitFor(async () => (await consentOf(ctx, q)) === consent, { what, timeoutMs: 40_000 });

/** The Nostr copy carrying `text` on the relay. */
const nostrCopy = (ctx: E2EContext, text: string) =>
  ctx.waitFor(async () => (await ctx.peer('nostr').query({ kinds: [1], limit: 300 })).find((e) => e.content.includes(text)), { what: `the Nostr copy of "${text}"`, timeoutMs: 60_000 });

/** The copy is gone from the relay, or its author (our proxy) asked for its deletion (NIP-09) or to vanish (NIP-62). */
const nostrCopyRemoved = (ctx: E2EContext, copy: NostrEvent) =>
  ctx.waitFor(
    async () => {
      const relay = ctx.peer('nostr');
      if ((await relay.query({ ids: [copy.id] })).length === 0) return true;
      return (await relay.query({ kinds: [5, 62], authors: [copy.pubkey] })).some((e) => e.kind === 62 || e.tags.some((t) => t[0] === 'e' && t[1] === copy.id));
    },
    { what: 'the removal of the Nostr copy', timeoutMs: 60_000 },
  );

async function staysAtHomeOnNostr(ctx: E2EContext, text: string): Promise<void> {
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const leaked = (await ctx.peer('nostr').query({ kinds: [1], limit: 300 })).find((e) => e.content.includes(text));
  check(!leaked, `"${text}" was bridged after the opt-out`);
}

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'bot:activitypub',
    needs: ['activitypub', 'nostr'],
    timeoutMs: T,
    async run(ctx) {
      const ap = ctx.peer('activitypub') as ActivityPubPeer;
      const user = await ap.createUser(ctx.unique('apbot').replace(/[^a-z0-9_]/gi, '_'));
      const bot = `${ctx.pontisUrl}/ap/users/pontis`;
      const answer = (inReplyTo: string) =>
        ctx.waitFor(async () => (await ap.received(user.name)).find((a) => a.type === 'Create' && a.actor === bot && (a.json.object as { inReplyTo?: string })?.inReplyTo === inReplyTo), { what: 'the bot to answer', timeoutMs: 30_000 });
      const start = await ap.createNote(user.name, { content: `<p>@pontis start</p>`, to: [bot], public: false });
      check(/bridged from now on/.test(String(((await answer(start.noteId)).json.object as { content?: string }).content)), 'the answer to start does not say it is done');
      await ctx.waitFor(async () => (await ap.followers(user.name)).some((f) => f.id === bot), { what: 'the bot to follow back', timeoutMs: 30_000 });
      const text = `bridged by start ${ctx.unique('t')}`;
      await ap.createNote(user.name, { content: `<p>${text}</p>` });
      const copy = await nostrCopy(ctx, text);

      const stop = await ap.createNote(user.name, { content: 'stop', to: [bot], public: false });
      check(/no longer bridged/.test(String(((await answer(stop.noteId)).json.object as { content?: string }).content)), 'the answer to stop does not say it is done');
      await nostrCopyRemoved(ctx, copy);
      const after = `after stop ${ctx.unique('t')}`;
      await ap.createNote(user.name, { content: `<p>${after}</p>` });
      await staysAtHomeOnNostr(ctx, after);
    },
  }),

  defineScenario({
    id: 'bot:atproto',
    needs: ['atproto', 'nostr'],
    timeoutMs: T,
    async run(ctx) {
      const pds = ctx.peer('atproto');
      const handle = `${ctx.unique('bsbot').replace(/[^a-z0-9]/gi, '').slice(0, 14).toLowerCase()}.test`;
      const account = await pds.createAccount({ handle, email: `${handle}@e2e.example`, password: 'e2e-bot-password' });
      const agent = await pds.login(handle, 'e2e-bot-password');
      const bot = await ctx.waitFor(
        async () => {
          const res = await fetchT(`${pds.info!.pdsUrl}/xrpc/com.atproto.identity.resolveHandle?handle=bridge.test`);
          return res.ok && ((await res.json()) as { did: string }).did;
        },
        { what: 'the bot account bridge.test on the PDS', timeoutMs: 30_000 },
      );
      const profile = await getRecord(ctx, `at://${bot}/app.bsky.actor.profile/self`);
      check(/Follow this account/.test(String(profile?.value.description)), `the bot's profile does not say how it works: ${JSON.stringify(profile?.value)}`);
      await createRecord(agent, account.did, 'app.bsky.graph.follow', { subject: bot });
      await waitConsent(ctx, account.did, 'opted_in', 'opt-in by following the bot');
      const text = `bridged by follow ${ctx.unique('t')}`;
      await createRecord(agent, account.did, POST, { text });
      const copy = await nostrCopy(ctx, text);

      await createRecord(agent, account.did, 'app.bsky.graph.block', { subject: bot });
      await waitConsent(ctx, account.did, 'opted_out', 'opt-out by blocking the bot');
      await nostrCopyRemoved(ctx, copy);
      const after = `after block ${ctx.unique('t')}`;
      await createRecord(agent, account.did, POST, { text: after });
      await staysAtHomeOnNostr(ctx, after);
    },
  }),

  defineScenario({
    id: 'bot:nostr',
    needs: ['nostr', 'atproto'],
    timeoutMs: T,
    async run(ctx) {
      const relay = ctx.peer('nostr');
      const nip05 = (await (await fetchT(`${ctx.pontisUrl}/.well-known/nostr.json?name=bridge`)).json()) as { names: Record<string, string> };
      const bot = nip05.names.bridge;
      check(bot && /^[0-9a-f]{64}$/.test(bot), `bridge@ does not name the bot: ${JSON.stringify(nip05)}`);
      const sk = generateSecretKey();
      const pk = getPublicKey(sk);
      const publish = async (kind: number, content: string, tags: string[][] = []) => {
        const ev = finalizeEvent({ kind, created_at: nowS(), tags, content }, sk) as NostrEvent;
        const r = await relay.publish(ev);
        check(r.accepted, `relay refused kind ${kind}: ${r.message}`);
        return ev;
      };
      await publish(3, '', [['p', bot]]);
      await waitConsent(ctx, pk, 'opted_in', 'opt-in by a contact list naming the bot');
      const text = `bridged by contact list ${ctx.unique('t')}`;
      await publish(1, text);
      const copy = await waitRecord(ctx, POST, byText(text), `the Bluesky copy of "${text}"`);

      const stop = await publish(4, nip04.encrypt(sk, bot, 'stop'), [['p', bot]]);
      const answer = await ctx.waitFor(async () => (await relay.query({ kinds: [4], authors: [bot], '#p': [pk] })).find((e) => e.tags.some((t) => t[0] === 'e' && t[1] === stop.id)), { what: 'the bot to answer', timeoutMs: 30_000 });
      check(/no longer bridged/.test(nip04.decrypt(sk, bot, answer.content)), 'the answer to stop does not say it is done');
      await ctx.waitFor(async () => (await getRecord(ctx, copy.uri)) === undefined, { what: 'the Bluesky copy to be removed', timeoutMs: 60_000 });
      const after = `after stop ${ctx.unique('t')}`;
      await publish(1, after);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      check(!(await findRecord(ctx.peer('atproto'), POST, byText(after))), `"${after}" was bridged after the opt-out`);
    },
  }),

  defineScenario({
    id: 'bot:solid',
    needs: ['solid', 'nostr'],
    timeoutMs: T,
    async run(ctx) {
      const status = await ctx.waitFor(
        async () => {
          const s = (await (await fetchT(`${ctx.pontisUrl}/api/v1/solid/status`)).json()) as { running: boolean; bridgeWebId?: string };
          return s.running && s.bridgeWebId ? s : undefined;
        },
        { what: 'the Solid adapter to run', timeoutMs: 30_000 },
      );
      const bridgeWebId = status.bridgeWebId!;
      const inbox = `${ctx.pontisUrl}/api/v1/solid/inbox`;
      const card = await (await fetchT(bridgeWebId.split('#')[0]!, { headers: { accept: 'text/turtle' } })).text();
      check(card.includes(inbox), `the bridge's profile does not name its inbox ${inbox}`);

      const solid = ctx.peer('solid');
      const account = await solid.createAccount({ email: `${ctx.unique('solidbot')}@example.org`, password: 'correct horse battery staple' });
      const client = solid.client(account);
      const socialUrl = new URL('social/', account.podUrl).href;
      for (const path of ['social/', 'social/outbox/', 'social/inbox/']) {
        const res = await client.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
        check(res.ok, `creating ${path}: ${res.status}`);
      }
      const granted = await client.fetch(`${socialUrl}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: linkGrantAcl(socialUrl, account.webId, bridgeWebId) });
      check(granted.ok, `grant: ${granted.status}`);
      const person: SolidPerson = { account, client, webId: account.webId, socialUrl };
      const send = async (activity: Record<string, unknown>) => {
        const res = await client.fetch(inbox, { method: 'POST', headers: { 'content-type': 'application/ld+json' }, body: JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', actor: account.webId, ...activity }) });
        const body = await res.text();
        check(res.status === 200, `the inbox answered ${res.status}: ${body}`);
        return JSON.parse(body) as { consent: string; changed: boolean; message: string };
      };
      // Without the person's token the inbox refuses.
      const anonymous = await fetchT(inbox, { method: 'POST', headers: { 'content-type': 'application/ld+json' }, body: JSON.stringify({ type: 'Follow', actor: account.webId, object: bridgeWebId }) });
      check(anonymous.status === 401, `an unauthenticated Follow got ${anonymous.status}`);

      const followed = await send({ type: 'Follow', object: bridgeWebId });
      check(followed.consent === 'opted_in' && followed.changed, `Follow answered ${JSON.stringify(followed)}`);
      const text = `bridged by follow ${ctx.unique('t')}`;
      await solidPut(person, `${ctx.unique('p')}.jsonld`, { type: 'Note', content: text, attributedTo: account.webId });
      const copy = await nostrCopy(ctx, text);

      const stopped = await send({ type: 'Note', content: 'stop', to: [bridgeWebId] });
      check(stopped.consent === 'opted_out' && /no longer bridged/.test(stopped.message), `stop answered ${JSON.stringify(stopped)}`);
      await nostrCopyRemoved(ctx, copy);
      const after = `after stop ${ctx.unique('t')}`;
      await solidPut(person, `${ctx.unique('p')}.jsonld`, { type: 'Note', content: after, attributedTo: account.webId });
      await staysAtHomeOnNostr(ctx, after);
    },
  }),
];
