import { InitialSchema1767225600000 } from './1767225600000-initial-schema.js';
import { ObjectKeysOnLedger1767225700000 } from './1767225700000-object-keys-on-ledger.js';
import { ObjectOwner1767225800000 } from './1767225800000-object-owner.js';
import { AtprotoAdapter1767226000000 } from './1767226000000-atproto-adapter.js';

export { InitialSchema1767225600000, ObjectKeysOnLedger1767225700000, ObjectOwner1767225800000, AtprotoAdapter1767226000000 };

/** In order. Append new migrations; never edit one that has shipped. */
export const ALL_MIGRATIONS = [InitialSchema1767225600000, ObjectKeysOnLedger1767225700000, ObjectOwner1767225800000, AtprotoAdapter1767226000000];
