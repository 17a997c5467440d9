import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BridgeEvent } from './bridge-event.js';
import type { EventType } from './event-types.js';

/** The JSON fixtures live beside the sources; compiled code runs from dist/, so resolve from the repo root. */
const FIXTURES = fileURLToPath(new URL('../../../libs/events/fixtures/', import.meta.url));

/** A fresh copy of the fixture for `type` (tests may mutate it). */
export function eventFixture(type: EventType): BridgeEvent {
  return JSON.parse(readFileSync(`${FIXTURES}${type}.json`, 'utf8')) as BridgeEvent;
}

export function invalidEventFixtures(): { name: string; expectError: string; event: unknown }[] {
  const dir = `${FIXTURES}invalid/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(dir + f, 'utf8')) as { expectError: string; event: unknown }) }));
}
