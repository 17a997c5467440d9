import type { DataSource } from 'typeorm';

export interface AdvisoryLockOptions {
  /** Give up waiting after this long (default 30 s) with an error, as callers such as OAuth refresh expect. */
  waitMs?: number;
}

/** Holders of a key on the same pool (one process) queue here first: no connection is spent waiting for ourselves. */
const queues = new WeakMap<DataSource, Map<string, Promise<unknown>>>();

/**
 * Each holder keeps a pool connection for as long as `fn` runs, and `fn` usually needs another
 * one: if holders could take the whole pool, their own work would wait for a connection forever.
 * So at most half the pool holds locks at once; the rest wait here (within the same waitMs).
 */
const slots = new WeakMap<DataSource, { free: number; waiting: Array<() => void> }>();

async function takeSlot(ds: DataSource, deadline: number, key: string, waitMs: number): Promise<() => void> {
  let s = slots.get(ds);
  if (!s) {
    const pool = (ds.options as { poolSize?: number }).poolSize ?? 10;
    slots.set(ds, (s = { free: Math.max(1, Math.floor(pool / 2)), waiting: [] }));
  }
  const state = s;
  if (state.free > 0) state.free--;
  else {
    let wake!: () => void;
    const turn = new Promise<void>((r) => (wake = r));
    state.waiting.push(wake);
    try {
      await within(turn, Math.max(1, deadline - Date.now()), key, waitMs);
    } catch (err) {
      const i = state.waiting.indexOf(wake);
      if (i >= 0) state.waiting.splice(i, 1);
      else giveBack(state); // woken just as we gave up: pass the slot on
      throw err;
    }
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    giveBack(state);
  };
}

function giveBack(state: { free: number; waiting: Array<() => void> }): void {
  const next = state.waiting.shift();
  if (next) next();
  else state.free++;
}

/**
 * Runs `fn` while holding a PostgreSQL advisory lock named `key`, so one process of the
 * deployment at a time does it (e.g. refreshing one OAuth session: a refresh token is good once).
 *
 * Session-level (`pg_advisory_lock`) on a connection of its own, not `pg_advisory_xact_lock`
 * inside a transaction: `fn` may write through other pool connections (a session store), which
 * on the embedded PGlite would wait for that open transaction to end, forever. PGlite serves every
 * connection from one session, where the lock is re-entrant; there is only one process there,
 * and the in-process queue above already serializes it. If the process dies, PostgreSQL drops the
 * connection and the lock with it.
 */
export async function withAdvisoryLock<T>(ds: DataSource, key: string, fn: () => T | PromiseLike<T>, opts: AdvisoryLockOptions = {}): Promise<T> {
  const waitMs = opts.waitMs ?? 30_000;
  let local = queues.get(ds);
  if (!local) queues.set(ds, (local = new Map()));
  const before = local.get(key) ?? Promise.resolve();
  const deadline = Date.now() + waitMs;
  const run = within(before.catch(() => undefined), waitMs, key, waitMs).then(async () => {
    const release = await takeSlot(ds, deadline, key, waitMs);
    try {
      return await holdingPgLock(ds, key, fn, Math.max(1, deadline - Date.now()), waitMs);
    } finally {
      release();
    }
  });
  const tail = run.catch(() => undefined);
  local.set(key, tail);
  void tail.then(() => {
    if (local.get(key) === tail) local.delete(key);
  });
  return run;
}

/** The in-process wait, bounded like the database one (`ms` left of the caller's `waitMs`). */
async function within(p: Promise<unknown>, ms: number, key: string, waitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`could not take the lock ${key} within ${waitMs} ms: busy in this process`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function holdingPgLock<T>(ds: DataSource, key: string, fn: () => T | PromiseLike<T>, leftMs: number, waitMs: number): Promise<T> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    // lock_timeout bounds the wait (it applies to advisory locks too); SET LOCAL keeps it to this transaction,
    // while the session-level lock taken in it outlives the COMMIT.
    await qr.query('BEGIN');
    try {
      await qr.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(leftMs))}ms`]);
      await qr.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
      await qr.query('COMMIT');
    } catch (err) {
      await qr.query('ROLLBACK').catch(() => undefined);
      throw new Error(`could not take the lock ${key} within ${waitMs} ms: ${(err as Error).message}`);
    }
    try {
      return await fn();
    } finally {
      await qr.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
    }
  } finally {
    await qr.release();
  }
}
