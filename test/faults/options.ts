/** The fault runner's command line, validated: a wrong flag stops it with a message naming it. */

export interface FaultRunOptions {
  events: number;
  people: number;
  /** How long each peer stays down. */
  outageMs: number;
  /** The stream lasts at least this long, so every fault falls inside it. */
  minStreamMs: number;
  /** How long to wait, after the stream, for the bridge to catch up. */
  settleMs: number;
  concurrency: number;
  seed: number;
}

const FULL: FaultRunOptions = { events: 5_000, people: 3, outageMs: 20_000, minStreamMs: 420_000, settleMs: 1_500_000, concurrency: 4, seed: 1 };
/** For CI: every fault kind still injected once, on a shorter stream. */
const QUICK: FaultRunOptions = { events: 300, people: 2, outageMs: 10_000, minStreamMs: 150_000, settleMs: 240_000, concurrency: 3, seed: 1 };

const FLAGS: Record<string, keyof FaultRunOptions> = {
  '--events': 'events',
  '--people': 'people',
  '--outage-s': 'outageMs',
  '--stream-s': 'minStreamMs',
  '--settle-s': 'settleMs',
  '--concurrency': 'concurrency',
  '--seed': 'seed',
};

export function parseArgs(argv: string[]): FaultRunOptions {
  const opts = { ...(argv.includes('--quick') ? QUICK : FULL) };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--quick') continue;
    const key = FLAGS[flag];
    if (!key) throw new Error(`unknown option ${flag} (known: --quick ${Object.keys(FLAGS).join(' ')})`);
    const raw = argv[++i];
    const n = Number(raw);
    if (raw === undefined || !Number.isInteger(n) || n < (key === 'seed' ? 0 : 1)) throw new Error(`${flag} needs a positive whole number, got ${raw ?? 'nothing'}`);
    opts[key] = key.endsWith('Ms') ? n * 1000 : n;
  }
  return opts;
}
