/**
 * The reason code (pontis_rejected_input_total{network="solid"}) of a pod resource that was not
 * bridged for a fault of its own: the mapper and the pod client say why in words.
 */
export function refusalOf(fault: string): string {
  if (/too large|larger than/i.test(fault)) return 'too_large';
  if (/nested deeper/.test(fault)) return 'too_deep';
  if (/malformed JSON|not a JSON-LD object/.test(fault)) return 'bad_json';
  if (/@context/.test(fault)) return 'unsupported_context';
  return 'invalid_resource';
}
