import { TOPICS } from '../events/topics.js';
import type { Bus, DeliveredMessage } from './bus.js';

export const DEAD_LETTER_HEADERS = {
  reason: 'x-dead-letter-reason',
  originalTopic: 'x-original-topic',
  source: 'x-dead-letter-source',
} as const;

/** Header values travel with every copy of the record; a stack trace as reason would bloat the topic. */
const MAX_REASON_LENGTH = 2_000;

export interface DeadLetter {
  /** Topic the message was read from (or was meant for). */
  topic: string;
  key: string;
  /** The original bytes, unchanged, so the message can be replayed once the cause is fixed. */
  value: string | Buffer;
  reason: string;
  /** Who gave up on it (service or component name). */
  source: string;
  /** Original headers, kept next to the dead-letter ones. */
  headers?: Record<string, string>;
}

/** The caller must have ensured TOPICS.deadLetter exists (both backends refuse unknown topics). */
export async function publishDeadLetter(bus: Bus, letter: DeadLetter): Promise<void> {
  const reason = letter.reason.length > MAX_REASON_LENGTH ? `${letter.reason.slice(0, MAX_REASON_LENGTH)}…` : letter.reason;
  await bus.publish(TOPICS.deadLetter, [
    {
      key: letter.key,
      value: letter.value,
      headers: {
        ...letter.headers,
        [DEAD_LETTER_HEADERS.reason]: reason,
        [DEAD_LETTER_HEADERS.originalTopic]: letter.topic,
        [DEAD_LETTER_HEADERS.source]: letter.source,
      },
    },
  ]);
}

export interface DeadLetterInfo {
  reason: string;
  originalTopic: string;
  source: string;
}

/** undefined when the message carries no dead-letter reason (not produced by publishDeadLetter). */
export function deadLetterReason(msg: Pick<DeliveredMessage, 'headers'>): DeadLetterInfo | undefined {
  const reason = msg.headers[DEAD_LETTER_HEADERS.reason];
  if (reason === undefined) return undefined;
  return {
    reason,
    originalTopic: msg.headers[DEAD_LETTER_HEADERS.originalTopic] ?? '',
    source: msg.headers[DEAD_LETTER_HEADERS.source] ?? '',
  };
}
