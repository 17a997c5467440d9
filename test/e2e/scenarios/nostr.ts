/**
 * The Nostr adapter inside a running Pontis, against the real relay: a person proves their key
 * (NIP-98), posts on the relay, and Pontis ingests, verifies and translates the note into one
 * command per other network. Cross-network scenarios (`post:nostr->atproto`, ...) come with the
 * other adapters; until then the commands wait on their networks' outbound topics, which the
 * status API shows.
 */
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type Scenario } from '../scenario.js';

interface Status {
  events: { in: number; bridged: number };
  networks: Record<string, { outboundBacklog: number | null; adapter: { running: boolean; detail: string } }>;
}

export const scenarios: Scenario[] = [
  defineScenario({
    id: 'link-and-mirror-out:nostr',
    needs: ['nostr'],
    timeoutMs: 60_000,
    async run(ctx) {
      const base = ctx.pontisUrl!;
      const relay = ctx.peer('nostr');
      const status = async () => (await (await fetchT(`${base}/api/v1/status`)).json()) as Status;
      const before = await status();
      check(before.networks.nostr?.adapter.running, `the Nostr adapter is not running: ${before.networks.nostr?.adapter.detail}`);

      const sk = generateSecretKey();
      const url = `${base}/api/v1/nostr/link`;
      const proof = finalizeEvent({ kind: 27235, created_at: Math.floor(Date.now() / 1000), tags: [['u', url], ['method', 'POST']], content: '' }, sk);
      const linked = await fetchT(url, { method: 'POST', headers: { authorization: `Nostr ${Buffer.from(JSON.stringify(proof)).toString('base64')}` } });
      check(linked.status === 200, `link answered ${linked.status}: ${await linked.text()}`);

      const note = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [['t', 'pontis']], content: `hello from nostr ${ctx.unique('note')} #pontis` }, sk);
      const published = await relay.publish(note);
      check(published.accepted, `relay refused the note: ${published.message}`);
      ctx.log(`note ${note.id} by ${getPublicKey(sk)} published`);

      const after = await ctx.waitFor(
        async () => {
          const s = await status();
          return s.events.bridged > before.events.bridged && s;
        },
        { timeoutMs: 30_000, what: 'the note to be translated' },
      );
      // A network whose adapter runs (the AT Protocol adapter when the PDS peer is up) consumes its command.
      for (const target of ['activitypub', 'atproto', 'solid'])
        if (!after.networks[target]?.adapter.running)
          check((after.networks[target]?.outboundBacklog ?? 0) >= 1, `no command waiting for ${target}: ${JSON.stringify(after.networks[target])}`);
    },
  }),
];
