import { InitialSchema1767225600000 } from './1767225600000-initial-schema.js';
import { ObjectKeysOnLedger1767225700000 } from './1767225700000-object-keys-on-ledger.js';

export { InitialSchema1767225600000, ObjectKeysOnLedger1767225700000 };

/** In order. Append new migrations; never edit one that has shipped. */
export const ALL_MIGRATIONS = [InitialSchema1767225600000, ObjectKeysOnLedger1767225700000];
