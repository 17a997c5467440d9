/** Running the image's entry point as a child process, the way the container does, for the tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/deploy/entrypoint.js: this file is dist/deploy/testing/entrypoint-process.js once compiled. */
export const ENTRYPOINT = fileURLToPath(new URL('../entrypoint.js', import.meta.url));

export interface EntrypointChild extends ChildProcess {
  /** The last 8,000 characters of stdout and stderr together. */
  output(): string;
}

/** Only PATH is inherited, so a setting the test forgot cannot leak in from the runner's environment. */
export function runEntrypoint(args: string[], env: Record<string, string>): EntrypointChild {
  const child = spawn(process.execPath, [ENTRYPOINT, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const keep = (b: Buffer) => (text = (text + b.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return Object.assign(child, { output: () => text });
}

/** Exit code, or the signal's name when the process ended by one. */
export function exited(child: ChildProcess, timeoutMs = 30_000): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal!);
    });
  });
}
