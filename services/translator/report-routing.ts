/**
 * Reports across networks (report.created, from an ActivityPub Flag, a Nostr NIP-56 kind 1984, …).
 * A report names proxies and copies on the network it was made on; the moderators need the
 * person and the originals behind them, and the reported person's home network should hear of it.
 *
 * Decisions:
 * - Every report that names at least one bridged account or object is recorded for the bridge's
 *   moderators (`reports`), whoever made it: reporting needs no opt-in.
 * - It is forwarded, always, to the home network of each reported original where an adapter can
 *   carry a report (REPORT_FORWARD_NETWORKS): as the bridge itself (the instance actor's Flag, the
 *   bridge key's kind 1984), never naming the reporter, as Mastodon forwards to a remote instance.
 *   The home server's own moderators decide; our moderators can still act on the proxy here.
 * Pure: reads the context.
 */
import { actorKey, commandId, COMMAND_SCHEMA_VERSION, type BridgeEvent, type MappedRef, type Network, type OutboundCommand } from '../../libs/events/index.js';
import { objectKeyFor, refKey } from './object-key.js';
import type { ReportedActor, ReportedObject, ReportRecord } from '../../libs/moderation/index.js';
import type { TranslationContext } from './translation-context.js';

export type { ReportRecord };

/** Networks whose adapter forwards a report to the original's server (a Flag; a kind 1984). */
export const REPORT_FORWARD_NETWORKS: ReadonlySet<Network> = new Set<Network>(['activitypub', 'nostr']);

export function routeReport(event: BridgeEvent, ctx: TranslationContext): { record: ReportRecord | null; commands: OutboundCommand[] } {
  const report = event.report;
  if (!report) return { record: null, commands: [] };
  const actors: ReportedActor[] = report.actors.map((a) => {
    const identity = ctx.identities.get(actorKey(a));
    const account = identity && ctx.accounts.get(identity.accountId);
    const natives = (account?.identities ?? []).filter((i) => i.kind === 'native').map((i) => ({ network: i.network, id: i.id, ...(i.handle && { handle: i.handle }) }));
    return { network: a.network, id: a.id, accountId: account?.id ?? null, natives };
  });
  const objects: ReportedObject[] = report.objects.map((o) => {
    const info = ctx.objects.get(refKey(o));
    const orig = info && (Object.entries(info.copies) as [Network, { id: string; original: boolean }][]).find(([, c]) => c.original);
    return { network: o.network, id: o.id, original: orig ? { network: orig[0], id: orig[1].id } : null, owner: info?.owner ?? null };
  });
  const ownerAccounts = objects.map((o) => (o.owner ? ctx.identities.get(o.owner)?.accountId : undefined));
  const accountIds = [...new Set([...actors.map((a) => a.accountId), ...ownerAccounts].filter((x): x is string => !!x))];
  if (!accountIds.length && !objects.some((o) => o.original)) return { record: null, commands: [] };
  const record: ReportRecord = { eventId: event.id, network: event.actor.network, reporterId: event.actor.id, reason: report.reason ?? null, actors, objects, accountIds };

  const commands: OutboundCommand[] = [];
  for (const target of REPORT_FORWARD_NETWORKS) {
    if (target === event.actor.network || !ctx.policy.networks[target]) continue;
    const mappedActors: OutboundCommand['actors'] = {};
    for (const a of actors) {
      const home = a.natives.find((n) => n.network === target);
      if (home) mappedActors[actorKey(a)] = { id: home.id, ...(home.handle && { handle: home.handle }) };
    }
    const mappedObjects: NonNullable<OutboundCommand['objects']> = {};
    for (const o of objects) {
      if (o.original?.network !== target) continue;
      const author = o.owner?.startsWith(`${target}:`) ? o.owner.slice(target.length + 1) : undefined;
      mappedObjects[refKey(o)] = { network: target, id: o.original.id, original: true, ...(author && { author }) } as MappedRef & { author?: string };
      if (author && !Object.values(mappedActors).some((m) => m.id === author)) mappedActors[o.owner!] = { id: author };
    }
    if (!Object.keys(mappedActors).length) continue;
    commands.push({
      v: COMMAND_SCHEMA_VERSION,
      id: commandId(event.id, target),
      eventId: event.id,
      target,
      // The bridge speaks, not a person: adapters send as the instance actor / bridge key.
      as: { accountId: '', mode: 'bridged' },
      event,
      objectKey: objectKeyFor(event.source),
      refs: {},
      actors: mappedActors,
      objects: mappedObjects,
    });
  }
  return { record, commands };
}
