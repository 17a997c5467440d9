/**
 * Which mapper verdicts are refusals of bad input (counted in pontis_rejected_input_total) rather
 * than events that are fine but not bridged (a kind we do not map). The mapper's envelope guard
 * (mapping/inbound-guard.ts) says why in words; the metric needs a code.
 */
export function refusalOf(ignored: string | undefined): 'too_large' | 'malformed' | undefined {
  if (!ignored) return undefined;
  if (/longer than|more than \d+ tags/.test(ignored)) return 'too_large';
  if (/not a usable unix time|is not a string|is not an array|not an event object/.test(ignored)) return 'malformed';
  return undefined;
}
