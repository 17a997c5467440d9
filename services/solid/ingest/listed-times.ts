/**
 * The members of one container listing whose `dc:modified` names one version of them, so a full
 * pass may skip a member while that time is unchanged.
 *
 * Only a time finer than a second does (Community Solid Server lists the file time to the
 * millisecond, and its ETag is that same time): a server that lists whole seconds may show two
 * writes in one second alike. The precision is the listing's, not each value's: on a server that
 * lists milliseconds, one write in a thousand lands on `.000`, and reading such a member on every
 * pass for its round time cost a GET each pass (and made the "only what moved" test flaky). A
 * listing with no sub-second digit anywhere is taken as whole seconds: nothing is trusted.
 */
export function versionTimes(modified: ReadonlyMap<string, string>): Map<string, string> {
  const valid = [...modified].filter(([, t]) => ISO_TIME.test(t) && Number.isFinite(Date.parse(t)));
  if (!valid.some(([, t]) => SUB_SECOND.test(t))) return new Map();
  return new Map(valid);
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;
/** A fraction of a second with a digit other than 0: the server keeps more than whole seconds. */
const SUB_SECOND = /T\d\d:\d\d:\d\d\.\d*[1-9]/;
