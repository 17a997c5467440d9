import { npubEncode } from 'nostr-tools/nip19';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrRelayPeer } from '../../../libs/harness/peers/nostr-relay-peer.js';
import { postJson, type DemoPerson, type PontisAddress } from './demo-person.js';

const now = () => Math.floor(Date.now() / 1000);

/** A Nostr key on the sandbox relay, linked with a NIP-98 proof as any Nostr person would. */
export async function nostrDemoPerson(relay: NostrRelayPeer, pontis: PontisAddress, name: string): Promise<DemoPerson> {
  const sk = generateSecretKey();
  const pubkey = getPublicKey(sk);
  const publish = async (kind: number, content: string, tags: string[][] = []) => {
    const r = await relay.publish(finalizeEvent({ kind, created_at: now(), tags, content }, sk));
    if (!r.accepted) throw new Error(`the relay refused a kind ${kind}: ${r.message}`);
  };
  const url = `${pontis.publicUrl}/api/v1/nostr/link`;
  const proof = finalizeEvent({ kind: 27235, created_at: now(), tags: [['u', url], ['method', 'POST']], content: '' }, sk);
  await postJson(`${pontis.api}/api/v1/nostr/link`, undefined, { authorization: `Nostr ${Buffer.from(JSON.stringify(proof)).toString('base64')}` });
  await publish(0, JSON.stringify({ name, about: 'A demo person of the Pontis sandbox' }));
  return {
    network: 'nostr',
    handle: npubEncode(pubkey),
    nativeId: pubkey,
    post: (text) => publish(1, text),
    reply: (to, text) => publish(1, text, [['e', to.nativeId, '', 'root'], ['p', to.author]]),
    like: (to) => publish(7, '+', [['e', to.nativeId], ['p', to.author]]),
  };
}
