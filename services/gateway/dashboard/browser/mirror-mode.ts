import type { DomElement } from './dom.js';
import { h } from './el.js';

/** Networks where Pontis can publish as the person's own account (libs/events PUBLISHES_AS_NATIVE; the browser cannot import it). */
const PUBLISHES_AS_NATIVE = new Set(['atproto', 'solid']);

export interface NetworkMirror {
  /** The person's choice (`native`, `bridged`, `off`), or `on` when they made none. */
  mirror: string;
  native: unknown[];
  bridged: unknown[];
}

/**
 * How the person's posts from elsewhere reach `network`, as the translator decides it: their
 * choice wins; without one, into their own account where Pontis can publish as it, else through
 * their bridged identity. Pure.
 */
export function mirrorMode(network: string, net: NetworkMirror): { mode: 'native' | 'bridged' | 'off'; chosen: boolean; text: string } {
  const chosen = net.mirror !== 'on';
  const mode = net.mirror === 'off' ? 'off' : net.mirror === 'native' || (!chosen && net.native.length > 0 && PUBLISHES_AS_NATIVE.has(network)) ? 'native' : 'bridged';
  const how = { native: 'into their own account', bridged: 'through their bridged identity', off: 'not mirrored here' }[mode];
  return { mode, chosen, text: `mirror: ${mode} (${how}${chosen ? ', their choice' : ', by default'})` };
}

export function mirrorModeView(network: string, net: NetworkMirror): DomElement {
  const m = mirrorMode(network, net);
  return h('p', { class: 'mirror-mode', 'data-mode': m.mode, 'data-chosen': String(m.chosen) }, h('span', { class: `pill ${m.mode === 'off' ? 'bad' : m.mode === 'native' ? 'ok' : ''}` }, m.mode), ' ', m.text.replace(/^mirror: \w+ /, ''));
}
