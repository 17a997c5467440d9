/**
 * The people of the latency bench: on each network some who linked to Pontis (with the e2e
 * suite's own linking helpers), each able to post; and, for the peers' own accept rate, people
 * who did not link (Pontis ignores them).
 */
import type { AtpAgent } from '@atproto/api';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { Network } from '../libs/events/index.js';
import type { NostrEvent } from '../libs/harness/index.js';
import { bridgedUsername } from '../services/activitypub/identity/handles.js';
import { bridgedPodName } from '../services/solid/identity/pod-names.js';
import type { E2EContext } from '../test/e2e/scenario.js';
import { linkedFediverseUser } from '../test/e2e/scenarios/activitypub.js';
import { createRecord, linkBluesky, POST } from '../test/e2e/scenarios/atproto.js';
import { linkNostrKey } from '../test/e2e/scenarios/nostr-person.js';
import { linkSolid, solidPut, type SolidPerson } from '../test/e2e/scenarios/solid.js';
import type { NostrSocket } from './nostr-socket.js';

export interface Poster {
  network: Network;
  /** Their bridged actor's name on the Pontis ActivityPub side (followed by the watcher). */
  bridgedActorName: string;
  /** Their bridged pod's name on the Solid server. */
  bridgedPod: string;
  /**
   * Posts `text`; resolves once the source peer accepted it, with that time and the event id
   * Pontis will give it (known only after the answer on some networks).
   */
  post(text: string): Promise<{ acceptedAt: number; eventId: string | undefined }>;
}

const nowS = () => Math.floor(Date.now() / 1000);

function nostrPoster(sk: Uint8Array, relay: NostrSocket): Poster {
  const pk = getPublicKey(sk);
  return {
    network: 'nostr',
    bridgedActorName: bridgedUsername({ network: 'nostr', nativeId: pk }).name,
    bridgedPod: bridgedPodName({ network: 'nostr', nativeId: pk, handle: null }),
    async post(text) {
      // Copied through JSON: nostr-tools caches its verdict on the object (FIELD-NOTES).
      const ev = JSON.parse(JSON.stringify(finalizeEvent({ kind: 1, created_at: nowS(), tags: [], content: text }, sk))) as NostrEvent;
      const ok = await relay.publish(ev);
      if (!ok.accepted) throw new Error(`relay refused: ${ok.message}`);
      return { acceptedAt: Date.now(), eventId: `nostr:${ev.id}` };
    },
  };
}

function blueskyPoster(agent: AtpAgent, did: string, handle: string): Poster {
  return {
    network: 'atproto',
    bridgedActorName: bridgedUsername({ network: 'atproto', nativeId: did, handle }).name,
    bridgedPod: bridgedPodName({ network: 'atproto', nativeId: did, handle }),
    async post(text) {
      const { uri } = await createRecord(agent, did, POST, { text });
      return { acceptedAt: Date.now(), eventId: `atproto:${uri}` };
    },
  };
}

function fediversePoster(ctx: E2EContext, user: { name: string; id: string; handle: string }): Poster {
  return {
    network: 'activitypub',
    bridgedActorName: '',
    bridgedPod: bridgedPodName({ network: 'activitypub', nativeId: user.id, handle: `@${user.handle}` }),
    async post(text) {
      // The Fedify peer has the note the moment it is asked, but answers only after delivering it
      // to the followers (the bridge among them): the call's start is the accept time.
      const acceptedAt = Date.now();
      const { noteId } = await ctx.peer('activitypub').createNote(user.name, { content: `<p>${text}</p>` });
      return { acceptedAt, eventId: `activitypub:${noteId}` };
    },
  };
}

function solidPoster(ctx: E2EContext, p: SolidPerson): Poster {
  return {
    network: 'solid',
    bridgedActorName: bridgedUsername({ network: 'solid', nativeId: p.webId }).name,
    bridgedPod: '',
    async post(text) {
      const url = await solidPut(p, ctx.unique('n'), { type: 'Note', attributedTo: p.webId, content: text, mediaType: 'text/plain' });
      return { acceptedAt: Date.now(), eventId: `solid:${url}` };
    },
  };
}

/** `count` people on `network`, linked to Pontis through its public URL (ctx.pontisUrl). */
export async function linkedPosters(ctx: E2EContext, network: Network, count: number, relay: NostrSocket): Promise<Poster[]> {
  const out: Poster[] = [];
  for (let i = 0; i < count; i++) {
    switch (network) {
      case 'nostr':
        out.push(nostrPoster((await linkNostrKey(ctx)).sk, relay));
        break;
      case 'atproto': {
        const b = await linkBluesky(ctx, 'lbsky');
        out.push(blueskyPoster(b.agent, b.account.did, b.account.handle));
        break;
      }
      case 'activitypub':
        out.push(fediversePoster(ctx, await linkedFediverseUser(ctx, 'lbfedi')));
        break;
      case 'solid':
        out.push(solidPoster(ctx, await linkSolid(ctx, 'lbpod')));
        break;
    }
  }
  return out;
}

/** One person on `network` who never linked: posting measures the peer alone. */
export async function unlinkedPoster(ctx: E2EContext, network: Network, relay: NostrSocket): Promise<Poster> {
  switch (network) {
    case 'nostr':
      return nostrPoster(generateSecretKey(), relay);
    case 'atproto': {
      const handle = `${ctx.unique('alone')}.test`;
      const account = await ctx.peer('atproto').createAccount({ handle, email: `${handle}@bench.example`, password: 'bench-password' });
      return blueskyPoster(await ctx.peer('atproto').login(handle, 'bench-password'), account.did, handle);
    }
    case 'activitypub': {
      const user = await ctx.peer('activitypub').createUser(ctx.unique('alone'));
      return fediversePoster(ctx, user);
    }
    case 'solid': {
      const solid = ctx.peer('solid');
      const account = await solid.createAccount({ email: `${ctx.unique('alone')}@bench.example`, password: 'correct horse battery staple' });
      const client = solid.client(account);
      const socialUrl = new URL('social/', account.podUrl).href;
      for (const path of ['social/', 'social/outbox/']) await client.fetch(new URL(path, account.podUrl).href, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' });
      return solidPoster(ctx, { account, client, webId: account.webId, socialUrl });
    }
  }
}
