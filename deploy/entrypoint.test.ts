import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { SERVICE_NAMES } from '../libs/config/index.js';
import { resolveTarget, UnknownCommandError } from './entrypoint-target.js';

const entrypoint = fileURLToPath(new URL('./entrypoint.js', import.meta.url));

describe('image entry point: which script a command runs', () => {
  it('runs each known service from its own main', () => {
    for (const name of SERVICE_NAMES) assert.deepEqual(resolveTarget([name]), { script: `services/${name}/main.js`, args: [] });
  });

  it('runs every service in one process with no argument or "all"', () => {
    assert.deepEqual(resolveTarget([]), { script: 'services/pontis/main.js', args: [] });
    assert.deepEqual(resolveTarget(['all']), { script: 'services/pontis/main.js', args: [] });
  });

  it('passes the rest of the arguments to the migration CLI', () => {
    assert.deepEqual(resolveTarget(['migrate', 'postgres://db/x', 'tenant_a']), { script: 'libs/store/migrate.js', args: ['postgres://db/x', 'tenant_a'] });
  });

  it('refuses a name this build does not know, listing what it can run', () => {
    assert.throws(() => resolveTarget(['translater']), (err: unknown) => {
      assert.ok(err instanceof UnknownCommandError);
      for (const name of [...SERVICE_NAMES, 'all', 'migrate']) assert.match(err.message, new RegExp(`\\b${name}\\b`));
      return true;
    });
    // A path must not smuggle in another script through the template.
    assert.throws(() => resolveTarget(['../../libs/store/migrate']), UnknownCommandError);
  });

  it('exits 2 with that message when started with an unknown command', () => {
    const res = spawnSync(process.execPath, [entrypoint, 'bogus'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /pontis: unknown command "bogus": expected one of .*translator.*migrate/);
  });
});
