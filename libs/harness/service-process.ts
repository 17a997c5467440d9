/**
 * One Pontis service as its own process (`node dist/services/<name>/main.js`), as a Deployment
 * runs it, for the int tests that need a process boundary (separate processes, late dependencies).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './pontis-process.js';

export type ServiceProcess = ChildProcess & { stderrText: () => string };

/** Its stderr (the structured log) is kept, the last 16 kB; LOG_LEVEL defaults to warn. */
export function runService(service: string, env: Record<string, string>): ServiceProcess {
  const entry = join(REPO_ROOT, 'dist', 'services', service, 'main.js');
  const child = spawn(process.execPath, [entry], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.on('data', (b: Buffer) => (text = (text + b.toString()).slice(-16_000)));
  return Object.assign(child, { stderrText: () => text });
}

/** Its exit code once it has exited (null when a signal ended it). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}
