/**
 * Starts Pontis itself as a child process (`node dist/services/pontis/main.js`) the way an
 * operator would, on a free port, and waits for `GET /health` to answer 200.
 *
 * A child process, not an import: the e2e run must see Pontis exactly as deployed (its own
 * env parsing, its own shutdown on SIGTERM), and a broken build must turn into one clear
 * failure line, never a crashed runner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage, fetchT, freePort, rssBytes, TailBuffer } from './util.js';

/** Repository root: this file is dist/libs/harness/pontis-process.js once compiled. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface PontisProcessOptions {
  /** Default: <repo>/dist/services/pontis/main.js */
  entry?: string;
  /** Extra environment (peer URLs, KAFKA_BROKERS, DATABASE_URL, ...); the runner's own env is inherited. */
  env?: Record<string, string | undefined>;
  port?: number;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Preload exit-with-parent.js so Pontis stops if the runner dies (default true). */
  exitWithParent?: boolean;
  /** Echo Pontis' output to our stderr (also E2E_VERBOSE=1). */
  verbose?: boolean;
  /** Runs node through something else that then execs it in place (same pid), e.g. into a memory cgroup. */
  wrap?: (command: string, args: string[]) => [string, string[]];
}

export class PontisProcess {
  private proc: ChildProcess | undefined;
  private readonly stderr = new TailBuffer(16_000);
  private readonly stdout = new TailBuffer(16_000);
  private exited: Promise<void> | undefined;
  private exitInfo: string | undefined;
  private dataDir: string | undefined;
  port: number | undefined;
  baseUrl: string | undefined;
  startMs: number | undefined;

  constructor(private readonly opts: PontisProcessOptions = {}) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }
  rss(): number | null {
    return this.running ? rssBytes(this.proc?.pid) : null;
  }
  /** Last lines Pontis wrote (stderr first, stdout when stderr is empty). */
  outputTail(lines = 3): string {
    return this.stderr.lastLines(lines) || this.stdout.lastLines(lines);
  }

  /** Resolves with the base URL once /health answers 200; rejects with a one-line reason. */
  async start(): Promise<string> {
    const entry = this.opts.entry ?? join(REPO_ROOT, 'dist', 'services', 'pontis', 'main.js');
    if (!existsSync(entry)) {
      const hint = this.opts.entry ? '' : ' (services/pontis/main.ts missing or not built: npx tsc -p tsconfig.json)';
      throw new Error(`entry point ${relative(REPO_ROOT, resolve(entry))} not found${hint}`);
    }
    const port = this.port ?? this.opts.port ?? (await freePort());
    this.exitInfo = undefined;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.dataDir ??= mkdtempSync(join(tmpdir(), 'pontis-e2e-data-'));
    // Inherited env < our defaults for a loopback test instance < caller's env < PORT.
    const defaults = { HOST: '127.0.0.1', PONTIS_PUBLIC_URL: this.baseUrl, PONTIS_DATA_DIR: this.dataDir };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...defaults, ...this.opts.env })) if (v !== undefined) env[k] = v;
    env.PORT = String(port);
    const verbose = this.opts.verbose ?? process.env.E2E_VERBOSE === '1';
    const t0 = Date.now();
    // stdin is a pipe we keep open: the preload below turns its closing (we died) into a SIGTERM.
    const preload = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'exit-with-parent.js')).href;
    const args = this.opts.exitWithParent === false ? [entry] : ['--import', preload, entry];
    const [command, commandArgs] = this.opts.wrap ? this.opts.wrap(process.execPath, args) : [process.execPath, args];
    const proc = spawn(command, commandArgs, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout?.on('data', (c: Buffer) => {
      this.stdout.push(c);
      if (verbose) process.stderr.write(c.toString().replace(/^(?=.)/gm, '[pontis] '));
    });
    proc.stderr?.on('data', (c: Buffer) => {
      this.stderr.push(c);
      if (verbose) process.stderr.write(c.toString().replace(/^(?=.)/gm, '[pontis!] '));
    });
    this.exited = new Promise((res) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        res();
      });
      proc.once('error', (err) => {
        this.exitInfo = `could not spawn: ${err.message}`;
        res();
      });
    });

    const timeoutMs = this.opts.startTimeoutMs ?? 60_000;
    const deadline = t0 + timeoutMs;
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exitInfo) {
        const tail = this.outputTail(3);
        throw new Error(`pontis ${this.exitInfo} before /health answered${tail ? `: ${tail}` : ''}`);
      }
      try {
        const res = await fetchT(`${this.baseUrl}/health`, { timeoutMs: 2_000 });
        await res.arrayBuffer();
        if (res.status === 200) {
          this.startMs = Date.now() - t0;
          return this.baseUrl;
        }
        lastProblem = `/health answered ${res.status}`;
      } catch (err) {
        lastProblem = errorMessage(err);
      }
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 250))]);
    }
    const tail = this.outputTail(3);
    await this.stop();
    throw new Error(`no 200 from GET /health within ${timeoutMs / 1000} s (${lastProblem})${tail ? `: ${tail}` : ''}`);
  }

  /** Resolves when the current process has exited (at once when none runs); `lastExit` then says how. */
  whenExited(): Promise<void> {
    return this.running ? this.exited! : Promise.resolve();
  }
  get lastExit(): string | undefined {
    return this.exitInfo;
  }

  /** Kills the process abruptly (`kill -9` for fault tests) and waits for it to be gone; start() again brings it back on the same port. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.proc || !this.running) return;
    this.proc.kill(signal);
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after the stop timeout (10 s). Safe to call twice. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc && this.running) {
      const within = (ms: number) => Promise.race([this.exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
      proc.kill('SIGTERM');
      if (!(await within(this.opts.stopTimeoutMs ?? 10_000))) {
        proc.kill('SIGKILL');
        await within(5_000);
      }
    }
    if (this.dataDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      this.dataDir = undefined;
    }
  }
}

/**
 * The environment that points a Pontis under test at the harness's peers. These names are the
 * harness's proposal; libs/config decides which ones Pontis reads (unknown ones are ignored).
 * PONTIS_SANDBOX=0: the harness provides the peers, Pontis must not start its own.
 */
export function peerEnvForPontis(peers: {
  atproto?: { pdsUrl: string; plcUrl: string; adminAuthorization: string; adminPassword?: string };
  solid?: { baseUrl: string };
  nostr?: { url: string };
  activitypub?: { baseUrl: string };
}): Record<string, string> {
  const env: Record<string, string> = { PONTIS_SANDBOX: '0' };
  if (peers.atproto) {
    env.PONTIS_ATPROTO_PDS_URL = peers.atproto.pdsUrl;
    env.PONTIS_ATPROTO_PLC_URL = peers.atproto.plcUrl;
    if (peers.atproto.adminPassword) env.PONTIS_ATPROTO_PDS_ADMIN_PASSWORD = peers.atproto.adminPassword;
  }
  if (peers.solid) {
    env.PONTIS_SOLID_URL = peers.solid.baseUrl;
    // An edit inside a pod resource reaches no container's notification channel: only the periodic
    // reconciliation sees it (docs/SOLID.md). Its default (5 min) is longer than any scenario.
    env.PONTIS_SOLID_RECONCILE_INTERVAL_MS = '20000';
  }
  if (peers.nostr) env.PONTIS_NOSTR_RELAYS = peers.nostr.url;
  if (peers.activitypub) {
    env.PONTIS_E2E_ACTIVITYPUB_PEER_URL = peers.activitypub.baseUrl;
  }
  // Every peer, and every picture a scenario serves, is on loopback: the adapters must be allowed
  // to fetch from there (the guard's refusals are covered by the adapters' own tests).
  if (Object.values(peers).some(Boolean)) env.PONTIS_ALLOW_PRIVATE_ADDRESSES = '1';
  return env;
}
