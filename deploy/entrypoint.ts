import { fileURLToPath } from 'node:url';
import { resolveTarget, UnknownCommandError, type EntrypointTarget } from './entrypoint-target.js';

/**
 * The container image's entry point: `entrypoint.js [<service>|all|migrate] [args...]`.
 *
 * It loads the chosen script in this same process instead of spawning a child, so the service is
 * still PID 1's only Node process: SIGTERM from the kubelet or compose reaches Nest's shutdown
 * hooks directly, and memory limits count one heap. process.argv is rewritten first because the
 * scripts (migrate.js) run their CLI only when they are the main module.
 */
let target: EntrypointTarget;
try {
  target = resolveTarget(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UnknownCommandError)) throw err;
  process.stderr.write(`pontis: ${err.message}\n`);
  process.exit(2);
}
const url = new URL(`../${target.script}`, import.meta.url);
process.argv = [process.argv[0]!, fileURLToPath(url), ...target.args];
await import(url.href);
