import type { Firehose } from '@atproto/sync';

const COMMIT = 'com.atproto.sync.subscribeRepos#commit';

/**
 * Lets an unwatched repo's commit skip @atproto/sync's validation of the whole message (its CAR
 * blocks and ops checked against the lexicon) in the Firehose's one read loop: for such a commit
 * only `repo` and `seq` are read, which is all the runner needs to pass over it (it never parses,
 * verifies or maps an unwatched event). At full-network scale almost every commit is unwatched,
 * so this, not verification, is what a frame costs (docs/BENCHMARKS.md). Watched repos and every
 * other message are validated exactly as before. `isWatched` is asked about commits only, in the
 * order they arrive (the ingest's per-repo flood limit is decided there: a commit it refuses is
 * passed over as an unwatched one).
 *
 * The Subscription and its options are private to Firehose (as for firehose-backpressure.ts): a
 * version that renames them makes this throw at start instead of silently doing nothing.
 */
export function skipUnwatchedValidation(firehose: Firehose, isWatched: (did: string, seq: number, time: string | undefined) => boolean, letThrough?: (commit: { repo: string; seq: number; ops?: unknown; blocks?: unknown }) => boolean): void {
  const sub = (firehose as unknown as { sub?: { opts?: { validate?: (value: unknown) => unknown } } }).sub;
  const validate = sub?.opts?.validate;
  if (!sub?.opts || typeof validate !== 'function') throw new Error('@atproto/sync Firehose has no subscription validator to wrap: the pre-filter needs updating for this version');
  sub.opts.validate = (value: unknown) => {
    const v = value as { $type?: unknown; repo?: unknown; seq?: unknown; time?: unknown; ops?: unknown; blocks?: unknown };
    // letThrough: an unwatched repo's commit someone else must see (a follow of the bridge's bot).
    if (v && v.$type === COMMIT && typeof v.repo === 'string' && typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && !isWatched(v.repo, v.seq, typeof v.time === 'string' ? v.time : undefined) && !letThrough?.(v as { repo: string; seq: number })) {
      return { $type: COMMIT, repo: v.repo, seq: v.seq };
    }
    return withoutStackTraces(() => validate(value));
  };
}

/**
 * @atproto/lex-schema, parsing a message, validates an absent optional field against its schema
 * first and builds a LexValidationError (an Error, with its stack trace captured) before it lets
 * the absence pass: for a commit's absent `prevData` and each create's absent `prev`, every
 * message. Capturing those stacks, and collecting them, was a visible share of a watched commit's
 * CPU (profiled in the firehose bench). Validation is synchronous and its errors are reported by
 * their message (FirehoseValidationError's cause), so it runs with no stack traces captured.
 */
function withoutStackTraces<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
