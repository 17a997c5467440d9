/**
 * Runs a peer server in a child Node process and talks to it over the IPC channel.
 *
 * Why child processes: each peer is someone else's server (hundreds of MB, global state,
 * native addons). In a child a crash or a native abort cannot take the runner down, its memory
 * is measurable on its own (/proc/<pid>), a scenario can kill it to test failure handling, and
 * it dies with the runner (the child exits when the IPC channel closes).
 *
 * Protocol (JSON over `process.send`):
 *   child → parent  {t:'ready', info} | {t:'failed', error} | {t:'result', id, ok, value|error}
 *   parent → child  {t:'call', id, method, args} | {t:'stop'}
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage, oneLine, rssBytes, TailBuffer } from './util.js';

type ChildMsg =
  | { t: 'ready'; info: unknown }
  | { t: 'failed'; error: string }
  | { t: 'result'; id: number; ok: boolean; value?: unknown; error?: string };
type ParentMsg = { t: 'call'; id: number; method: string; args: unknown[] } | { t: 'stop' };

export interface PeerChildOptions {
  /** Short name used in messages ("atproto"). */
  name: string;
  /** `import.meta.url` of the peer module, which runs its child half when it is the main module. */
  moduleUrl: string;
  /** Passed to the child as JSON in argv[2]. */
  config?: unknown;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Echo the child's output to our stderr (E2E_VERBOSE=1 does this for every peer). */
  verbose?: boolean;
}

export class PeerChild<Info> {
  private proc: ChildProcess | undefined;
  private readonly output = new TailBuffer(16_000);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitInfo: string | undefined;
  private exitPromise: Promise<void> | undefined;
  private tmp: string | undefined;
  /** Milliseconds from fork to "ready". */
  startMs: number | undefined;

  constructor(private readonly opts: PeerChildOptions) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }
  rss(): number | null {
    return this.running ? rssBytes(this.proc?.pid) : null;
  }
  /** Last lines of the child's stdout+stderr. */
  outputTail(lines = 3): string {
    return this.output.lastLines(lines);
  }

  start(): Promise<Info> {
    if (this.running) throw new Error(`${this.opts.name}: already started`);
    this.exitInfo = undefined;
    const t0 = Date.now();
    // Each child gets its own TMPDIR (the PDS writes its sqlite files and blobs there); removed on stop.
    this.tmp = mkdtempSync(join(tmpdir(), `pontis-e2e-${this.opts.name}-`));
    const verbose = this.opts.verbose ?? process.env.E2E_VERBOSE === '1';
    const proc = fork(fileURLToPath(this.opts.moduleUrl), [JSON.stringify(this.opts.config ?? {})], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, TMPDIR: this.tmp, PONTIS_PEER_TMPDIR: this.tmp, ...this.opts.env },
    });
    this.proc = proc;
    const onData = (chunk: Buffer) => {
      this.output.push(chunk);
      if (verbose) process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${this.opts.name}] `));
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    this.exitPromise = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        const err = new Error(`${this.opts.name} peer process ${this.exitInfo}${this.tailSuffix()}`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve();
      });
    });
    return new Promise<Info>((resolve, reject) => {
      const timeoutMs = this.opts.startTimeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.opts.name} did not start within ${timeoutMs} ms${this.tailSuffix()}`));
      }, timeoutMs);
      const onMessage = (m: ChildMsg) => {
        if (m.t === 'ready') {
          cleanup();
          this.startMs = Date.now() - t0;
          resolve(m.info as Info);
        } else if (m.t === 'failed') {
          cleanup();
          reject(new Error(`${this.opts.name} failed to start: ${m.error}`));
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.opts.name} peer process ${this.exitInfo ?? 'exited'} before it was ready${this.tailSuffix()}`));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new Error(`${this.opts.name}: could not fork: ${err.message}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        proc.off('error', onError);
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      proc.once('error', onError);
      proc.on('message', (m: ChildMsg) => {
        if (m.t !== 'result') return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error ?? 'remote call failed'));
      });
    });
  }

  /** Calls a method the child exposes. Arguments and results travel as JSON. */
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const proc = this.proc;
    if (!proc || !this.running || !proc.connected) return Promise.reject(new Error(`${this.opts.name} peer is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      proc.send({ t: 'call', id, method, args } satisfies ParentMsg, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }

  /** Asks the child to close its server, then SIGTERM, then SIGKILL. Safe to call twice. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const stopMs = this.opts.stopTimeoutMs ?? 10_000;
    const exited = this.exitPromise ?? Promise.resolve();
    const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (this.running) {
      if (proc.connected) proc.send({ t: 'stop' } satisfies ParentMsg, () => undefined);
      else proc.kill('SIGTERM');
      if (!(await within(stopMs))) {
        proc.kill('SIGTERM');
        if (!(await within(2_000))) {
          proc.kill('SIGKILL');
          await within(2_000);
        }
      }
    }
    if (this.tmp) {
      rmSync(this.tmp, { recursive: true, force: true });
      this.tmp = undefined;
    }
  }

  /**
   * For outage tests: freeze the peer (SIGSTOP). Its port still accepts connections into the
   * kernel's backlog but nothing answers, as with a hung server; resume() picks up where it was,
   * same data and port.
   */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }
  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  /** For failure scenarios: kill the peer abruptly. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.proc?.kill(signal);
  }

  private tailSuffix(): string {
    const tail = this.output.lastLines(3);
    return tail ? `: ${tail}` : '';
  }
}

// ---------------------------------------------------------------------------------------------
// Child half

export interface ChildPeer<Info> {
  info: Info;
  /** Methods the parent may call with `PeerChild.call(name, ...args)`. */
  methods?: Record<string, (...args: any[]) => unknown>;
  stop(): Promise<void>;
}

/** True when the module with this `import.meta.url` is the process's entry point. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Config the parent passed (argv[2], JSON). */
export function childConfig<T>(): T {
  try {
    return JSON.parse(process.argv[2] ?? '{}') as T;
  } catch {
    return {} as T;
  }
}

/** Starts a peer inside this (child) process and serves the parent's calls until told to stop. */
export function runAsChild<Info>(start: () => Promise<ChildPeer<Info>>): void {
  const send = (m: ChildMsg) => process.send?.(m);
  let peer: ChildPeer<Info> | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const hardExit = setTimeout(() => process.exit(code), 8_000);
    hardExit.unref();
    try {
      await peer?.stop();
    } catch (err) {
      process.stderr.write(`stop failed: ${errorMessage(err)}\n`);
    }
    // Our private TMPDIR (also when the runner died and cannot remove it).
    const tmp = process.env.PONTIS_PEER_TMPDIR;
    if (tmp && tmp.includes('pontis-e2e-')) rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('message', (m: ParentMsg) => {
    if (m.t === 'stop') void shutdown(0);
    else if (m.t === 'call') {
      const fn = peer?.methods?.[m.method];
      if (!fn) {
        send({ t: 'result', id: m.id, ok: false, error: `unknown method ${m.method}` });
        return;
      }
      Promise.resolve()
        .then(() => fn(...m.args))
        .then(
          (value) => send({ t: 'result', id: m.id, ok: true, value: value === undefined ? null : value }),
          (err) => send({ t: 'result', id: m.id, ok: false, error: errorMessage(err) }),
        );
    }
  });
  // The runner went away (crash, SIGKILL): do not linger as an orphan.
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  start().then(
    (p) => {
      peer = p;
      if (stopping) void p.stop();
      else send({ t: 'ready', info: p.info });
    },
    (err) => {
      send({ t: 'failed', error: oneLine(errorMessage(err)) });
      setTimeout(() => process.exit(1), 100);
    },
  );
}
