import { SERVICE_NAMES } from '../libs/config/index.js';

/** What the image runs besides one service: every service in one process, or the migrations alone. */
export const EXTRA_COMMANDS = ['all', 'migrate'] as const;

export interface EntrypointTarget {
  /** Script under dist/, relative to it, run as if node had been started with it. */
  script: string;
  /** Arguments the script sees as process.argv.slice(2). */
  args: string[];
}

export class UnknownCommandError extends Error {
  constructor(command: string) {
    super(`unknown command "${command}": expected one of ${[...SERVICE_NAMES, ...EXTRA_COMMANDS].join(', ')}`);
    this.name = 'UnknownCommandError';
  }
}

/**
 * Maps the container's arguments to the script that runs them. The service names are those this
 * build knows (libs/config SERVICE_NAMES), so an image and a manifest that disagree fail at
 * start with the list of what the image can run, not with a module-not-found trace.
 */
export function resolveTarget(argv: readonly string[]): EntrypointTarget {
  const [command = 'all', ...args] = argv;
  if (command === 'all') return { script: 'services/pontis/main.js', args };
  if (command === 'migrate') return { script: 'libs/store/migrate.js', args };
  if ((SERVICE_NAMES as readonly string[]).includes(command)) return { script: `services/${command}/main.js`, args };
  throw new UnknownCommandError(command);
}
