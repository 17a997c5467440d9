import { COMMAND_SCHEMA_VERSION, commandId, InvalidEventError, validateEvent, type Network, type OutboundCommand } from '../events/index.js';

/** A record on bridge.outbound.<network>.v1 that is not a command this adapter can carry out. Never retried. */
export class InvalidCommandError extends Error {
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`invalid outbound command: ${problems.join('; ')}`);
    this.name = 'InvalidCommandError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks the envelope the translator writes and the event inside it (validateEvent). The ledger
 * key must be what commandId() makes of the event id and target: a command whose id disagrees
 * could otherwise be delivered twice under two ids.
 */
export function validateCommand(input: unknown, network: Network): OutboundCommand {
  if (!isObj(input)) throw new InvalidCommandError(['command must be a JSON object']);
  if (input.v !== COMMAND_SCHEMA_VERSION) throw new InvalidCommandError([`unsupported command version ${JSON.stringify(input.v)} (this adapter speaks v${COMMAND_SCHEMA_VERSION})`]);
  const p: string[] = [];
  if (!nonEmpty(input.id)) p.push('command.id must be a non-empty string');
  if (!nonEmpty(input.eventId)) p.push('command.eventId must be a non-empty string');
  if (input.target !== network) p.push(`command.target must be ${network} (got ${JSON.stringify(input.target)})`);
  if (nonEmpty(input.id) && nonEmpty(input.eventId) && input.id !== commandId(input.eventId, network)) p.push('command.id must be "<eventId>><target>"');
  if (typeof input.objectKey !== 'string' || !UUID.test(input.objectKey)) p.push('command.objectKey must be a uuid');
  const as = input.as;
  if (!isObj(as)) p.push('command.as must be an object');
  else {
    if (typeof as.accountId !== 'string') p.push('command.as.accountId must be a string');
    if (as.mode !== 'bridged' && as.mode !== 'native') p.push('command.as.mode must be bridged or native');
    if (as.id !== undefined && !nonEmpty(as.id)) p.push('command.as.id must be a non-empty string when present');
  }
  if (!isObj(input.refs)) p.push('command.refs must be an object');
  else
    for (const [k, r] of Object.entries(input.refs))
      if (r !== undefined && (!isObj(r) || !nonEmpty(r.id) || r.network !== network)) p.push(`command.refs.${k} must be a ref on ${network}`);
  if (!isObj(input.actors)) p.push('command.actors must be an object');
  try {
    validateEvent(input.event);
    if (isObj(input.event) && input.event.id !== input.eventId) p.push('command.event.id must equal command.eventId');
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw err;
    p.push(...err.problems.map((x) => `command.${x}`));
  }
  if (p.length) throw new InvalidCommandError(p);
  return input as unknown as OutboundCommand;
}

export function parseCommand(raw: Buffer | string, network: Network): OutboundCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new InvalidCommandError([`not JSON: ${(err as Error).message}`]);
  }
  return validateCommand(parsed, network);
}
