export { BACKFILL_DEFAULT_COUNT, BACKFILL_MAX_COUNT, backfillItems, backfillJobs, parseBackfillCount, startBackfill, type BackfillItemView, type BackfillJob, type BackfillState, type StartBackfillResult } from './backfill-jobs.js';
export { chronological, planBackfill, selectPosts, threadRefs, type BackfillRole, type PlannedItem } from './backfill-plan.js';
export { countOutcomes, itemOutcome, type ItemOutcome, type ProgressCounts } from './backfill-progress.js';
export { BackfillRunner, type BackfillRunnerOptions } from './backfill-runner.js';
export type { BackfillSource } from './backfill-source.js';
export { backfillAfterLink, linkBackfillCount } from './backfill-on-link.js';
