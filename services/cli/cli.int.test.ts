import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SECRET_BOX } from '../../libs/platform/tokens.js';
import { issueAccountToken, type SecretBox } from '../../libs/store/index.js';
import { seedAccount } from '../../libs/testing/index.js';
import { testEnv } from '../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from '../gateway/testing/gateway-fixture.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a separate process, with only the environment given here. */
function pontis(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pontis CLI against a real gateway and Postgres', { timeout: 180_000 }, () => {
  let gw: GatewayFixture;
  let api: Record<string, string>;
  let secret: string;

  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw?.close();
  });

  it('creates the first admin token directly in the database and prints the secret once', async () => {
    const r = await pontis(['token', 'create', '--role', 'admin', '--name', 'first', '--json'], { DATABASE_URL: testEnv.databaseUrl, DATABASE_SCHEMA: gw.store.schema });
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout);
    assert.equal(created.role, 'admin');
    assert.match(created.token, /^pontis_/);
    secret = created.token;
    assert.ok(!r.stderr.includes(secret), 'the secret is not logged');
    const [row] = await gw.ds.query(`SELECT created_by FROM admin_tokens WHERE id = $1`, [created.id]);
    assert.match(row.created_by, /^cli:/);
    api = { PONTIS_URL: gw.base, PONTIS_TOKEN: secret };
  });

  it('lists tokens without secrets, creates one through the API, and refuses a duplicate with exit 1', async () => {
    const created = await pontis(['token', 'create', '--role', 'moderator', '--name', 'mod', '--json'], api);
    assert.equal(created.code, 0, created.stderr);
    const list = await pontis(['token', 'list', '--json'], api);
    assert.equal(list.code, 0);
    const names = JSON.parse(list.stdout).items.map((t: { name: string }) => t.name);
    assert.deepEqual(names, ['first', 'mod']);
    assert.ok(!list.stdout.includes(secret) && !list.stdout.includes(JSON.parse(created.stdout).token));
    const human = await pontis(['token', 'list'], api);
    assert.match(human.stdout, /^id\s+name\s+role/);
    const dup = await pontis(['token', 'create', '--role', 'moderator', '--name', 'mod', '--json'], api);
    assert.equal(dup.code, 1);
    assert.match(JSON.parse(dup.stdout).error, /already exists/);
    assert.equal(JSON.parse(dup.stdout).status, 409);
  });

  it('turns a network off, blocks and unblocks domains, and sets the default consent', async () => {
    const r = await pontis(['settings', 'set', '--disable', 'solid', '--block-domain', 'spam.example', '--block-domain', 'bad.example', '--default-consent', 'opt-out', '--json'], api);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.networks.solid, false);
    assert.deepEqual(s.blockedDomains, ['bad.example', 'spam.example']);
    const un = await pontis(['settings', 'set', '--unblock-domain', 'spam.example', '--enable', 'solid'], api);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /blocked domains: bad\.example\n/);
    assert.match(un.stdout, /solid on/);
    const got = await pontis(['settings', 'get', '--json'], api);
    assert.equal(JSON.parse(got.stdout).defaultConsent, 'opt-out');
  });

  it('shows, takes down and restores an account found by handle, and the audit log records it all', async () => {
    const id = await seedAccount(gw.ds, [{ network: 'nostr', id: 'd4'.repeat(32), handle: 'dana@example.com', kind: 'native' }]);
    const list = await pontis(['account', 'list', '--network', 'nostr', '--json'], api);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).items.map((a: { id: string }) => a.id), [id]);
    assert.match((await pontis(['account', 'list'], api)).stdout, /nostr:dana@example\.com/);
    assert.equal((await pontis(['account', 'list', '--consent', 'maybe'], api)).code, 1);
    const show = await pontis(['account', 'show', '@dana@example.com'], api);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`account ${id}: opted_in, active`));
    assert.equal((await pontis(['account', 'takedown', id, '--reason', 'impersonation'], api)).code, 0);
    const again = await pontis(['account', 'takedown', id, '--reason', 'again'], api);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /409 the account is taken down/);
    assert.equal((await pontis(['account', 'restore', id], api)).code, 0);
    const optOut = await pontis(['account', 'opt-out', id, '--reason', 'asked by mail'], api);
    assert.equal(optOut.code, 0, optOut.stderr);
    assert.match(optOut.stdout, /opted out; 1 removal event\(s\) sent/);
    const audit = await pontis(['audit', '--action', 'account.', '--json'], api);
    assert.deepEqual(JSON.parse(audit.stdout).items.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`), [
      'token:first account.opt-out',
      'token:first account.restore',
      'token:first account.takedown',
    ]);
    const all = await pontis(['audit', '--limit', '2'], api);
    assert.match(all.stdout, /\(more: --before \d+\)/);
  });

  it('shows the mirror choice per network and sets it with the person\'s account token', async () => {
    const id = await seedAccount(gw.ds, [
      { network: 'nostr', id: 'e5'.repeat(32), handle: 'erin@example.com', kind: 'native' },
      { network: 'atproto', id: 'did:plc:erinerinerinerinerinerin', handle: 'erin.bsky.social', kind: 'native' },
    ]);
    const token = issueAccountToken(gw.app.get<SecretBox>(SECRET_BOX), id);
    const set = await pontis(['account', 'mirror', id, 'atproto', 'bridged', '--account-token', token], api);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /mirror atproto bridged/);
    const off = await pontis(['account', 'mirror', id, 'solid', 'off', '--json'], { ...api, PONTIS_ACCOUNT_TOKEN: token });
    assert.deepEqual(JSON.parse(off.stdout).mirror, { atproto: 'bridged', solid: 'off' });
    const show = await pontis(['account', 'show', id], api);
    assert.match(show.stdout, /mirror: activitypub on, atproto bridged, nostr on, solid off/);
    // Without the person's token it is a usage error; a moderator's token is not enough; the API's refusals come through.
    assert.equal((await pontis(['account', 'mirror', id, 'atproto', 'native'], api)).code, 2);
    assert.equal((await pontis(['account', 'mirror', id, 'myspace', 'off', '--account-token', token], api)).code, 2);
    assert.equal((await pontis(['account', 'mirror', id, 'atproto', 'sometimes', '--account-token', token], api)).code, 2);
    const refused = await pontis(['account', 'mirror', id, 'nostr', 'native', '--account-token', token], api);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /409 .*NIP-46/);
    assert.equal((await pontis(['account', 'mirror', id, 'nostr', 'off', '--account-token', 'forged'], api)).code, 1);
  });

  it('lists, shows, replays and deletes dead letters', async () => {
    const [row] = await gw.ds.query(`INSERT INTO dead_letters (topic, message_key, payload, reason, source) VALUES ('bridge.events.v1', 'k', '{"x":1}', 'unknown version', 'validation') RETURNING id::text`);
    const list = await pontis(['dead-letters', 'list', '--source', 'validation', '--json'], api);
    assert.deepEqual(JSON.parse(list.stdout).items.map((d: { id: string }) => d.id), [row.id]);
    assert.match((await pontis(['dead-letters', 'show', row.id], api)).stdout, /\{"x":1\}/);
    const replay = await pontis(['dead-letters', 'replay', row.id], api);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed to bridge\.events\.v1/);
    assert.equal((await pontis(['dead-letters', 'replay', row.id], api)).code, 1);
    assert.equal((await pontis(['dead-letters', 'replay', row.id, '--force'], api)).code, 0);
    assert.equal((await pontis(['dead-letters', 'delete', row.id], api)).code, 0);
    assert.equal((await pontis(['dead-letters', 'show', row.id], api)).code, 1);
  });

  it('prints the bridge status', async () => {
    const r = await pontis(['status'], { PONTIS_URL: gw.base });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nostr\s+on/);
  });

  it('exits 2 on usage errors and 1 when the API refuses or cannot be reached', async () => {
    for (const args of [[], ['frobnicate'], ['token', 'create'], ['token', 'create', '--role', 'root'], ['settings', 'set'], ['settings', 'set', '--disable', 'myspace'], ['account', 'takedown', 'x'], ['status', '--bogus'], ['token', 'revoke']]) {
      const r = await pontis(args, api);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /pontis/);
    }
    assert.equal((await pontis(['--help'])).code, 0);
    // The package.json "bin" launcher (what `npx pontis` runs) reaches the same tool.
    const launcher = fileURLToPath(new URL('../../../services/cli/bin/pontis.mjs', import.meta.url));
    const viaBin = await new Promise<number | null>((resolve) => spawn(launcher, ['--help'], { stdio: 'ignore' }).on('close', resolve));
    assert.equal(viaBin, 0);
    const unauth = await pontis(['audit'], { PONTIS_URL: gw.base, PONTIS_TOKEN: `pontis_${'x'.repeat(43)}` });
    assert.equal(unauth.code, 1);
    assert.match(unauth.stderr, /401 unknown or revoked admin token/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const down = await pontis(['status', '--json'], { PONTIS_URL: `http://127.0.0.1:${port}` });
    assert.equal(down.code, 1);
    assert.match(JSON.parse(down.stdout).error, /cannot reach the Pontis API at .*ECONNREFUSED/);
    const badDb = await pontis(['token', 'create', '--role', 'admin'], { DATABASE_URL: 'mysql://nope' });
    assert.equal(badDb.code, 1);
    assert.match(badDb.stderr, /DATABASE_URL must start with postgres/);
  });
});
