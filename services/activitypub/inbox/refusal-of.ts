/**
 * Which of the mapper's "ignored" verdicts are refusals of bad input (counted in
 * pontis_rejected_input_total), as opposed to activities that are fine but not bridged (an Accept,
 * a Delete of something we never saw). The mapper says why in words; the metric needs a code.
 */
const REFUSALS: [RegExp, string][] = [
  [/content longer than/, 'too_large'],
  [/invalid output dropped/, 'invalid_event'],
  [/mapping failed/, 'bad_activity'],
  [/without an http\(s\) (actor|id)|not a JSON object/, 'bad_activity'],
  [/attributed to|for another actor|by someone else/, 'spoofed_actor'],
];

export function refusalOf(ignored: string | undefined): string | undefined {
  if (!ignored) return undefined;
  return REFUSALS.find(([re]) => re.test(ignored))?.[1];
}
