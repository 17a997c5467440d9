/**
 * Move (Mastodon account migration) of a linked fediverse account: the new actor must name the
 * old one in its `alsoKnownAs` (fetched, guarded), as Mastodon requires before it moves
 * followers. Then the native identity points at the new actor (same account, same consent) and
 * the instance actor follows the new one, so the person's posts keep arriving.
 */
import type { DataSource } from 'typeorm';
import { createLogger } from '../../../libs/observability/index.js';
import { asArray, idOf, type AsObject } from '../mapping/index.js';

const log = createLogger('activitypub-move');

export type MoveResult = { moved: true } | { moved: false; reason: string };

export async function applyMove(o: {
  ds: DataSource;
  from: string;
  to: string;
  fetchActor: (id: string) => Promise<AsObject>;
  followNew: (actor: AsObject) => Promise<void>;
}): Promise<MoveResult> {
  const linked: { account_id: string }[] = await o.ds.query(`SELECT account_id FROM identities WHERE network = 'activitypub' AND native_id = $1 AND kind = 'native'`, [o.from]);
  if (!linked[0]) return { moved: false, reason: 'not a linked account' };
  const target = await o.fetchActor(o.to);
  if (target.id !== o.to) return { moved: false, reason: `the target document is ${String(target.id)}, not ${o.to}` };
  const aliases = asArray(target.alsoKnownAs).map(idOf);
  if (!aliases.includes(o.from)) return { moved: false, reason: `${o.to} does not list ${o.from} in alsoKnownAs` };
  const taken: unknown[] = await o.ds.query(`SELECT 1 FROM identities WHERE network = 'activitypub' AND native_id = $1`, [o.to]);
  if (taken.length) return { moved: false, reason: `${o.to} is already an identity here` };
  const handle = typeof target.preferredUsername === 'string' ? `@${target.preferredUsername}@${new URL(o.to).host}` : null;
  await o.ds.query(`UPDATE identities SET native_id = $2, handle = COALESCE($3, handle), verified_at = now() WHERE network = 'activitypub' AND native_id = $1 AND kind = 'native'`, [o.from, o.to, handle]);
  await o.followNew(target);
  log.info('linked fediverse account moved', { from: o.from, to: o.to });
  return { moved: true };
}
