#!/usr/bin/env node
// The `pontis` command (package.json "bin"). A committed, executable launcher: tsc does not keep
// the executable bit on what it writes to dist/, and `npx pontis` needs one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../../../dist/services/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('pontis: not built yet; run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
