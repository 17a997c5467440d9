/**
 * The Nostr adapter inside a running Pontis, against the real relay: a person proves their key
 * (NIP-98), posts on the relay, and Pontis ingests, verifies and translates the note into one
 * command per other network. Where another network's adapter is not running, the command waits on
 * its outbound topic, which the status API shows; where it runs, the cross-network scenarios
 * (`post:nostr->atproto`, ...) check the copy itself.
 */
import { fetchT } from '../../../libs/harness/util.js';
import { check, defineScenario, type Scenario } from '../scenario.js';
import { linkedNostrPerson } from './nostr-person.js';

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
      ctx.peer('nostr');
      const status = async () => (await (await fetchT(`${base}/api/v1/status`)).json()) as Status;
      const before = await status();
      check(before.networks.nostr?.adapter.running, `the Nostr adapter is not running: ${before.networks.nostr?.adapter.detail}`);

      const person = await linkedNostrPerson(ctx, ctx.unique('nora'));
      const note = await person.publish({ kind: 1, tags: [['t', 'pontis']], content: `hello from nostr ${ctx.unique('note')} #pontis` });
      ctx.log(`note ${note.id} by ${person.pubkey} published`);

      const after = await ctx.waitFor(
        async () => {
          const s = await status();
          // Two: the person's kind 0 (profile.updated) and the note.
          return s.events.bridged >= before.events.bridged + 2 && s;
        },
        { timeoutMs: 30_000, what: 'the note to be translated' },
      );
      // Networks without a running adapter keep the command on their outbound topic; where an adapter
      // runs, it takes the command at once, and the `<feature>:nostr-><network>` scenarios check the copy.
      for (const target of ['activitypub', 'atproto', 'solid']) {
        const net = after.networks[target];
        if (net?.adapter.running) continue;
        check((net?.outboundBacklog ?? 0) >= 1, `no command waiting for ${target}: ${JSON.stringify(net)}`);
      }
    },
  }),
];
