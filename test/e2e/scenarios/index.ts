/**
 * Every scenario module, in run order. To add scenarios: create a module next to this one that
 * exports `scenarios: Scenario[]` and add it to the list below.
 */
import type { Scenario } from '../scenario.js';
import { scenarios as activitypub } from './activitypub.js';
import { scenarios as activitypubAtproto } from './activitypub-atproto.js';
import { scenarios as activitypubSolid } from './activitypub-solid.js';
import { scenarios as atproto } from './atproto.js';
import { scenarios as atprotoSolid } from './atproto-solid.js';
import { scenarios as backfill } from './backfill.js';
import { scenarios as bots } from './bots.js';
import { scenarios as hostile } from './hostile.js';
import { scenarios as infrastructure } from './infrastructure.js';
import { scenarios as mirroring } from './mirroring.js';
import { scenarios as moderation } from './moderation.js';
import { scenarios as nostr } from './nostr.js';
import { scenarios as nostrSolidSocial } from './nostr-solid-social.js';
import { scenarios as peerSmoke } from './peer-smoke.js';
import { scenarios as solid } from './solid.js';
import { scenarios as threeHop } from './three-hop.js';
import { scenarios as unbridgedParent } from './unbridged-parent.js';

export const scenarioModules: { name: string; scenarios: Scenario[] }[] = [
  { name: 'infrastructure', scenarios: infrastructure },
  { name: 'peer-smoke', scenarios: peerSmoke },
  { name: 'nostr', scenarios: nostr },
  { name: 'solid', scenarios: solid },
  { name: 'nostr-solid-social', scenarios: nostrSolidSocial },
  { name: 'activitypub', scenarios: activitypub },
  { name: 'atproto', scenarios: atproto },
  { name: 'mirroring', scenarios: mirroring },
  { name: 'activitypub-atproto', scenarios: activitypubAtproto },
  { name: 'atproto-solid', scenarios: atprotoSolid },
  { name: 'activitypub-solid', scenarios: activitypubSolid },
  { name: 'moderation', scenarios: moderation },
  { name: 'bots', scenarios: bots },
  { name: 'three-hop', scenarios: threeHop },
  { name: 'unbridged-parent', scenarios: unbridgedParent },
  { name: 'backfill', scenarios: backfill },
  { name: 'hostile', scenarios: hostile },
];

export const allScenarios: Scenario[] = scenarioModules.flatMap((m) => m.scenarios);
