/**
 * One fediverse person and one Solid person, both linked, made once per run and shared (setup is
 * the slow part): the fediverse person follows the Solid person's bridged actor, so what the Solid
 * person writes into their pod reaches the Fedify server; what the fediverse person posts lands in
 * their bridged pod on the bridge's Solid server.
 */
import type { ActivityPubPeer, ApUser } from '../../../libs/harness/index.js';
import { fetchT } from '../../../libs/harness/util.js';
import { bridgedUsername } from '../../../services/activitypub/identity/handles.js';
import { bridgedPodName } from '../../../services/solid/identity/pod-names.js';
import { check, type E2EContext } from '../scenario.js';
import { AP_JSON, linkedFediverseUser, noteOf, PUBLIC, receivedBy } from './activitypub.js';
import { inOutbox, linkSolid, solidPut, text, type SolidPerson } from './solid.js';


export interface ApSolidPair {
  ap: ApUser;
  /** The fediverse person's bridged pod on the bridge's Solid server: its public outbox and WebID. */
  apOutbox: string;
  apWebId: string;
  solid: SolidPerson;
  /** The Solid person's bridged actor, followed by `ap`. */
  bridgedActor: string;
}
let pairPromise: Promise<ApSolidPair> | undefined;

export function pair(ctx: E2EContext): Promise<ApSolidPair> {
  pairPromise ??= (async () => {
    const ap = apPeer(ctx);
    const [user, solid] = await Promise.all([linkedFediverseUser(ctx, 'fedsolid'), linkSolid(ctx, 'solidfed')]);
    // Both names are deterministic (docs: pod names, services/activitypub/identity/handles.ts).
    const pod = bridgedPodName({ network: 'activitypub', nativeId: user.id, handle: `@${user.handle}` });
    const apOutbox = new URL(`${pod}/social/outbox/`, ctx.peer('solid').info!.baseUrl).href;
    const apWebId = new URL(`${pod}/profile/card#me`, ctx.peer('solid').info!.baseUrl).href;
    const bridgedActor = `${ctx.pontisUrl}/ap/users/${bridgedUsername({ network: 'solid', nativeId: solid.webId }).name}`;
    // The first post of each creates their bridged identity on the other network.
    const apHello = `fediverse hello ${ctx.unique('h')}`;
    await Promise.all([
      ap.createNote(user.name, { content: `<p>${apHello}</p>` }).then(() => inOutbox(ctx, apOutbox, (b) => b.type === 'Note' && text(b).includes(apHello), 'the fediverse person’s first post in their bridged pod')),
      solidPut(solid, ctx.unique('hello'), { type: 'Note', attributedTo: solid.webId, content: `pod hello ${ctx.unique('h')}`, mediaType: 'text/plain' }).then(() =>
        ctx.waitFor(async () => (await fetchT(bridgedActor, { headers: AP_JSON })).status === 200, { timeoutMs: 60_000, what: `the bridged actor ${bridgedActor}` }),
      ),
    ]);
    await ap.follow(user.name, bridgedActor);
    await ctx.waitFor(async () => (await ap.following(user.name)).some((f) => f.id === bridgedActor && f.accepted), { timeoutMs: 60_000, what: 'the bridged actor to accept the follow' });
    return { ap: user, apOutbox, apWebId, solid, bridgedActor };
  })();
  pairPromise.catch(() => (pairPromise = undefined));
  return pairPromise;
}

export const apPeer = (ctx: E2EContext) => ctx.peer('activitypub') as ActivityPubPeer;

/** Any activity from the fediverse person to the Solid person's bridged actor. */
export const sendToBridged = (ctx: E2EContext, p: ApSolidPair, activity: Record<string, unknown>) => apPeer(ctx).send({ from: p.ap.name, to: p.bridgedActor, activity });

/** A public Create(Note) with any extra fields (summary, attachment, tag, …), sent to the bridged actor. */
export async function apCreate(ctx: E2EContext, p: ApSolidPair, html: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = `${p.ap.id}/notes/${ctx.unique('n')}`;
  await sendToBridged(ctx, p, { type: 'Create', to: [PUBLIC], object: { id, type: 'Note', attributedTo: p.ap.id, content: html, to: [PUBLIC], published: new Date().toISOString(), ...extra } });
  return id;
}

/** The copy in the fediverse person's bridged pod of the post that carries `words`. */
export const inApPod = (ctx: E2EContext, p: ApSolidPair, words: string, what: string) => inOutbox(ctx, p.apOutbox, (b) => b.type === 'Note' && text(b).includes(words), what);

/** activitypub→solid: a fediverse post and its copy in the bridged pod. */
export async function apPostInPod(ctx: E2EContext, p: ApSolidPair, words: string): Promise<{ noteId: string; url: string; body: Record<string, any> }> {
  const { noteId } = await apPeer(ctx).createNote(p.ap.name, { content: `<p>${words}</p>` });
  const { url, body } = await inApPod(ctx, p, words, `the pod copy of "${words}"`);
  return { noteId, url, body };
}

/** solid→activitypub: a post in the Solid person's pod and the Create the fediverse follower got. */
export async function solidPostOnAp(ctx: E2EContext, p: ApSolidPair, words: string, extra: Record<string, unknown> = {}) {
  const url = await solidPut(p.solid, ctx.unique('note'), { type: 'Note', attributedTo: p.solid.webId, content: words, mediaType: 'text/plain', ...extra });
  const create = await receivedBy(ctx, p.ap.name, (a) => a.type === 'Create' && JSON.stringify(a.json).includes(words), `the Create of "${words}" at the fediverse server`);
  check(create.actor === p.bridgedActor, `Create from ${create.actor}, expected ${p.bridgedActor}`);
  return { url, create, objectId: create.objectId!, note: noteOf(create) };
}
