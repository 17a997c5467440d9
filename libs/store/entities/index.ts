import { Account } from './account.entity.js';
import { AuditLogEntry } from './audit-log.entity.js';
import { Cursor } from './cursor.entity.js';
import { DeadLetter } from './dead-letter.entity.js';
import { Delivery } from './delivery.entity.js';
import { Identity } from './identity.entity.js';
import { KeyMaterial } from './key-material.entity.js';
import { ObjectMapEntry } from './object-map.entity.js';
import { PendingEvent } from './pending-event.entity.js';
import { ProcessedEvent } from './processed-event.entity.js';
import { Setting } from './setting.entity.js';

export * from './account.entity.js';
export * from './audit-log.entity.js';
export * from './cursor.entity.js';
export * from './dead-letter.entity.js';
export * from './delivery.entity.js';
export * from './identity.entity.js';
export * from './key-material.entity.js';
export * from './object-map.entity.js';
export * from './pending-event.entity.js';
export * from './processed-event.entity.js';
export * from './setting.entity.js';

export const ALL_ENTITIES = [
  Account, Identity, ObjectMapEntry, Delivery, ProcessedEvent, PendingEvent,
  DeadLetter, Cursor, KeyMaterial, Setting, AuditLogEntry,
];
