#!/usr/bin/env node
import { run } from './run.js';

/** `npx pontis …`: the admin tool. Output on stdout, diagnostics on stderr, exit code says how it went. */
process.exitCode = await run(process.argv.slice(2), process.env, {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
});
