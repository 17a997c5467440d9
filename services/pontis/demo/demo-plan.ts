/**
 * What the sandbox's demo people do next, and when. Pure: the randomness comes in as a function,
 * so tests replay a plan exactly.
 */
export type Random = () => number;
export type DemoAction = 'post' | 'reply' | 'like';

/** About every `everyMs`, jittered ±50 %, so four people do not act in lock-step. */
export function nextDelayMs(random: Random, everyMs: number): number {
  return Math.round(everyMs * (0.5 + random()));
}

/** Half posts, a quarter replies, a quarter likes; only posts while nobody else's post can be seen yet. */
export function chooseAction(random: Random, canInteract: boolean): DemoAction {
  if (!canInteract) return 'post';
  const r = random();
  return r < 0.5 ? 'post' : r < 0.75 ? 'reply' : 'like';
}

export function pick<T>(random: Random, items: readonly T[]): T | undefined {
  return items.length ? items[Math.min(items.length - 1, Math.floor(random() * items.length))] : undefined;
}

const POSTS = [
  'Good morning from the sandbox! ☀️',
  'Trying out this bridge: can you see me on your network?',
  'Reading about #decentralized social networks today.',
  'Coffee first, then federation.',
  'Hello to everyone on the other three networks 👋',
  'A small post to watch it travel across the bridge.',
  'Does this look right where you are?',
  'Sharing a thought with four networks at once.',
];
const REPLIES = ['Nice one!', 'Seen it here too 👀', 'Agreed.', 'Hello back from my side of the bridge!', 'This arrived in a few seconds.'];

/** Text for a demo post or reply; `n` keeps each one distinct (a network may refuse an exact duplicate). */
export function demoText(random: Random, kind: 'post' | 'reply', n: number): string {
  return `${pick(random, kind === 'post' ? POSTS : REPLIES)} (demo ${n})`;
}
