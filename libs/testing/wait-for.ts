/** Polls `probe` until it returns something truthy; fails with `what` and the last value seen. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export async function waitFor<T>(probe: () => T | Promise<T>, opts: { what: string; timeoutMs?: number; intervalMs?: number }): Promise<Truthy<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last as Truthy<T>;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
  const detail = lastErr instanceof Error ? lastErr.message : JSON.stringify(last);
  throw new Error(`timed out waiting for ${opts.what} (last: ${detail})`);
}
