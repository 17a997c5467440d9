import { lexicons } from '@atproto/api';
import { jsonToLex } from '@atproto/lexicon';

/** A record that does not satisfy its lexicon, with the validator's own words. */
export class InvalidRecordError extends Error {
  readonly retryable = false;
  constructor(
    readonly collection: string,
    readonly reason: string,
  ) {
    super(`invalid ${collection} record: ${reason}`);
    this.name = 'InvalidRecordError';
  }
}

/**
 * Checks a record against its lexicon (@atproto/api's bundled schemas). Outbound, an invalid
 * record written to a repo can stall that repo at relays and AppViews (bridgy-fed#1595); inbound,
 * a record that is not what its collection says is rejected before anything reads it.
 */
export function assertValidRecord(collection: string, record: unknown): void {
  try {
    // Records travel as JSON (`{ $link }` CIDs, `{ $type: 'blob' }` refs); the validator wants lex values (BlobRef, CID).
    lexicons.assertValidRecord(collection, jsonToLex(record as never));
  } catch (err) {
    throw new InvalidRecordError(collection, err instanceof Error ? err.message : String(err));
  }
}

/** The same as a verdict, for the inbound path that counts rather than throws. */
export function checkRecord(collection: string, record: unknown): { ok: true } | { ok: false; reason: string } {
  try {
    assertValidRecord(collection, record);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as InvalidRecordError).reason };
  }
}
