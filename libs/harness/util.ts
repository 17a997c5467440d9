/** Small helpers shared by the peer harness and the e2e runner. No peer libraries imported here. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A free TCP port on loopback (asks the OS for one, then releases it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface WaitForOptions {
  timeoutMs?: number;
  /** Says what was awaited, for the error message. */
  what?: string;
  intervalMs?: number;
  /** Stop waiting (reject) as soon as this is aborted. */
  signal?: AbortSignal;
}

/**
 * Polls `fn` until it returns a value that is not `undefined`, `null` or `false`, and returns it.
 * Exceptions thrown by `fn` count as "not yet"; the last one is quoted if the wait times out.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const interval = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (opts.signal?.aborted) throw new Error(`gave up waiting for ${opts.what ?? 'condition'}: scenario aborted`);
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${errorMessage(lastError)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${why}`);
    }
    await sleep(interval);
  }
}

/** Rejects when `p` does not settle within `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** fetch with a timeout (default 5 s). */
export async function fetchT(url: string | URL, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  const { timeoutMs = 5_000, ...rest } = init;
  return fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
}

/** One-line message of an error-ish value (first line, trimmed). */
export function errorMessage(err: unknown): string {
  let msg: string;
  if (err instanceof AggregateError && err.errors.length) msg = `${err.message}: ${err.errors.map(errorMessage).join('; ')}`;
  else if (err instanceof Error) {
    msg = err.message || err.name;
    const cause = (err as { cause?: unknown }).cause;
    if (cause) msg += ` (cause: ${errorMessage(cause)})`;
  } else msg = String(err);
  return oneLine(msg);
}

export function oneLine(s: string, max = 400): string {
  const flat = s.replace(/\s*\n\s*/g, ' | ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Resident set size of a process in bytes (Linux /proc), or null when unknown / gone. */
export function rssBytes(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function mb(bytes: number | null | undefined): string {
  return bytes == null ? '?' : `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** Keeps the last `max` characters written to it: the tail of a child's stderr for failure reasons. */
export class TailBuffer {
  private text = '';
  constructor(private readonly max = 8_000) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text;
  }
  /** The last non-empty lines, joined on one line (for a FAIL reason). */
  lastLines(n = 3): string {
    const lines = this.text.split('\n').map((l) => l.trim()).filter(Boolean);
    return oneLine(lines.slice(-n).join(' | '));
  }
}
