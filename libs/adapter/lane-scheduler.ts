import { lanesConflict } from './command-lane.js';

export interface Laned {
  account: string;
  lane: string;
}

export interface LaneCaps {
  /** Items running at once in all (each holds a database connection now and then: mind the pool). */
  total: number;
  /** Items of one account running at once (one peer account: a PDS repo, a pod, a relay key). */
  perAccount: number;
}

/**
 * Runs `work` for every item: an item starts once no earlier item of its account in a
 * conflicting lane (`lanesConflict`) is unfinished, within the caps; accounts first seen start
 * first. An item that throws stops the later items of its account (their order could no longer
 * be kept; the caller's replay does them); other accounts go on. Resolves once nothing runs, with
 * the first error if any.
 */
export function runInLanes<T extends Laned>(items: T[], work: (item: T) => Promise<void>, caps: LaneCaps): Promise<{ error: unknown } | undefined> {
  if (caps.total < 1 || caps.perAccount < 1) throw new Error(`lane caps must be at least 1 (got ${JSON.stringify(caps)})`);
  const waiting = new Map<string, T[]>();
  for (const item of items) waiting.set(item.account, [...(waiting.get(item.account) ?? []), item]);
  const running = new Map<string, Set<string>>();
  let runningTotal = 0;
  let failure: { error: unknown } | undefined;
  return new Promise((resolve) => {
    const startable = (account: string, queue: T[]): number[] => {
      const busy = running.get(account) ?? new Set<string>();
      const slots = caps.perAccount - busy.size;
      const picked: number[] = [];
      const earlier: string[] = [...busy];
      for (let i = 0; i < queue.length && picked.length < slots; i++) {
        const lane = queue[i]!.lane;
        if (!earlier.some((e) => lanesConflict(lane, e))) picked.push(i);
        earlier.push(lane);
      }
      return picked;
    };
    const pump = () => {
      for (const [account, queue] of waiting) {
        if (runningTotal >= caps.total) break;
        const picked = new Set(startable(account, queue).slice(0, caps.total - runningTotal));
        if (!picked.size) continue;
        const rest = queue.filter((_, i) => !picked.has(i));
        if (rest.length) waiting.set(account, rest);
        else waiting.delete(account);
        for (const i of picked) start(queue[i]!);
      }
      if (runningTotal === 0) resolve(failure);
    };
    const start = (item: T) => {
      const busy = running.get(item.account) ?? new Set<string>();
      running.set(item.account, busy.add(item.lane));
      runningTotal++;
      void Promise.resolve()
        .then(() => work(item))
        .catch((error: unknown) => {
          failure ??= { error };
          waiting.delete(item.account);
        })
        .finally(() => {
          busy.delete(item.lane);
          runningTotal--;
          pump();
        });
    };
    pump();
  });
}
