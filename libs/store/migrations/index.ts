import { InitialSchema1767225600000 } from './1767225600000-initial-schema.js';
import { ObjectKeysOnLedger1767225700000 } from './1767225700000-object-keys-on-ledger.js';
import { ObjectOwner1767225800000 } from './1767225800000-object-owner.js';
import { Admin1767225900000 } from './1767225900000-admin.js';
import { SolidAdapter1767226000000 } from './1767226000000-solid-adapter.js';
import { ActivitypubAdapter1767226100000 } from './1767226100000-activitypub-adapter.js';
import { AtprotoAdapter1767226200000 } from './1767226200000-atproto-adapter.js';
import { AccountPreferences1767226250000 } from './1767226250000-account-preferences.js';
import { SolidFollows1767226300000 } from './1767226300000-solid-follows.js';
import { Backfill1767226600000 } from './1767226600000-backfill.js';
import { Moderation1767226700000 } from './1767226700000-moderation.js';
import { DeliveryLanes1767226800000 } from './1767226800000-delivery-lanes.js';

export { InitialSchema1767225600000, ObjectKeysOnLedger1767225700000, ObjectOwner1767225800000, Admin1767225900000, SolidAdapter1767226000000, ActivitypubAdapter1767226100000, AtprotoAdapter1767226200000, AccountPreferences1767226250000, SolidFollows1767226300000, Backfill1767226600000, Moderation1767226700000, DeliveryLanes1767226800000 };

/** In order. Append new migrations; never edit one that has shipped. */
export const ALL_MIGRATIONS = [
  InitialSchema1767225600000,
  ObjectKeysOnLedger1767225700000,
  ObjectOwner1767225800000,
  Admin1767225900000,
  SolidAdapter1767226000000,
  ActivitypubAdapter1767226100000,
  AtprotoAdapter1767226200000,
  AccountPreferences1767226250000,
  SolidFollows1767226300000,
  Backfill1767226600000,
  Moderation1767226700000,
  DeliveryLanes1767226800000,
];
