import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../../libs/config/index.js';
import { isNetwork, MIRROR_MODES, NETWORKS } from '../../libs/events/index.js';
import { ACCOUNT_TOKEN_HEADER } from '../../libs/store/native-link.js';
import { ADMIN_ROLES, isAdminRole, tokenNameProblem } from '../gateway/auth/admin-token.js';
import { TokenConflictError } from '../gateway/auth/admin-token.repository.js';
import { ApiClient, ApiError } from './api-client.js';
import { createTokenInDatabase } from './direct-token.js';
import { USAGE } from './usage.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  role: { type: 'string' },
  name: { type: 'string' },
  revoked: { type: 'boolean' },
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  enable: { type: 'string', multiple: true },
  disable: { type: 'string', multiple: true },
  'block-domain': { type: 'string', multiple: true },
  'unblock-domain': { type: 'string', multiple: true },
  'allow-domain': { type: 'string', multiple: true },
  'disallow-domain': { type: 'string', multiple: true },
  'default-consent': { type: 'string' },
  reason: { type: 'string' },
  actor: { type: 'string' },
  action: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  source: { type: 'string' },
  topic: { type: 'string' },
  replayed: { type: 'string' },
  force: { type: 'boolean' },
  status: { type: 'string' },
  consent: { type: 'string' },
  network: { type: 'string' },
  'account-token': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** Runs one command; never throws, never exits: the exit code is returned. */
export async function run(argv: string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.err(`pontis: ${(err as Error).message}\n(pontis --help lists commands and options)\n`);
    return EXIT.usage;
  }
  if (values.help || !positionals.length) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const api = new ApiClient(values.url ?? env.PONTIS_URL ?? 'http://127.0.0.1:8080', values.token ?? env.PONTIS_TOKEN);
  const print = (data: unknown, human: () => string) => io.out(values.json ? `${JSON.stringify(data, null, 2)}\n` : human());
  try {
    await dispatch(positionals, values, env, api, print);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`pontis: ${err.message}\n(pontis --help lists commands and options)\n`);
      return EXIT.usage;
    }
    const message = err instanceof ApiError || err instanceof TokenConflictError || err instanceof ConfigError ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
    if (values.json) io.out(`${JSON.stringify({ error: message, status: err instanceof ApiError ? err.status : null })}\n`);
    io.err(`pontis: ${message}\n`);
    return EXIT.failed;
  }
}

type Print = (data: unknown, human: () => string) => void;

async function dispatch(pos: string[], v: Values, env: Record<string, string | undefined>, api: ApiClient, print: Print): Promise<void> {
  const [group, verb, ...rest] = pos;
  const arg = (what: string): string => {
    const a = group === 'status' || group === 'audit' ? verb : rest[0];
    if (!a) throw new UsageError(`${group} ${verb ?? ''} needs ${what}`.replace(/\s+/g, ' '));
    return a;
  };
  const noExtra = (n: number) => {
    if (pos.length > n) throw new UsageError(`unexpected argument "${pos[n]}"`);
  };
  const q = (pairs: Record<string, string | undefined>) => {
    const s = new URLSearchParams(Object.entries(pairs).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return s ? `?${s}` : '';
  };

  switch (`${group} ${group === 'status' || group === 'audit' ? '' : (verb ?? '')}`.trim()) {
    case 'token create': {
      noExtra(2);
      if (!isAdminRole(v.role)) throw new UsageError(`token create needs --role ${ADMIN_ROLES.join('|')}`);
      const name = v.name ?? `${v.role}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
      const problem = tokenNameProblem(name);
      if (problem) throw new UsageError(`--name: ${problem}`);
      const token = v.token ?? env.PONTIS_TOKEN;
      const created = token
        ? await api.call('POST', '/api/v1/admin/tokens', { name, role: v.role })
        : await createTokenInDatabase({ env, databaseUrl: v['database-url'], schema: v.schema, name, role: v.role });
      return print(created, () => `created ${created.role} token "${created.name}" (id ${created.id})\n${created.token}\nThis secret is shown once; store it now (e.g. PONTIS_TOKEN).\n`);
    }
    case 'token list': {
      noExtra(2);
      const r = await api.call('GET', `/api/v1/admin/tokens${v.revoked ? '?revoked=true' : ''}`);
      return print(r, () => table(r.items, ['id', 'name', 'role', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt']));
    }
    case 'token revoke': {
      noExtra(3);
      const r = await api.call('DELETE', `/api/v1/admin/tokens/${encodeURIComponent(arg('a token id'))}`);
      return print(r, () => `revoked token "${r.name}" (${r.id})\n`);
    }
    case 'settings get': {
      noExtra(2);
      const r = await api.call('GET', '/api/v1/admin/settings');
      return print(r, () => settingsText(r));
    }
    case 'settings set': {
      noExtra(2);
      const patch = await settingsPatch(v, api);
      if (!Object.keys(patch).length) throw new UsageError('settings set needs at least one of --enable, --disable, --block-domain, --unblock-domain, --allow-domain, --disallow-domain, --default-consent');
      const r = await api.call('PATCH', '/api/v1/admin/settings', patch);
      return print(r, () => settingsText(r));
    }
    case 'account list': {
      noExtra(2);
      const r = await api.call('GET', `/api/v1/admin/accounts${q({ status: v.status, consent: v.consent, network: v.network, limit: v.limit, before: v.before })}`);
      const rows = r.items.map((a: { identities: { network: string; handle: string | null; nativeId: string }[] }) => ({ ...a, identities: a.identities.map((i) => `${i.network}:${i.handle ?? i.nativeId}`).join(' ') }));
      return print(r, () => table(rows, ['id', 'consent', 'status', 'createdAt', 'identities']) + more(r));
    }
    case 'account show': {
      noExtra(3);
      const who = arg('an account id or a handle');
      let id = who;
      if (!/^[0-9a-f-]{36}$/i.test(who)) {
        const found = await api.call('GET', `/api/v1/accounts${q({ q: who })}`);
        if (!found.items.length) throw new ApiError(404, `no account has an identity matching "${who}"`);
        id = found.items[0].accountId;
      }
      const r = await api.call('GET', `/api/v1/accounts/${encodeURIComponent(id)}`);
      return print(r, () => accountText(r));
    }
    case 'account mirror': {
      noExtra(5);
      const [id, network, mode] = rest;
      if (!id || !network || !mode) throw new UsageError('account mirror needs ID NETWORK native|bridged|off');
      if (!isNetwork(network)) throw new UsageError(`unknown network "${network}" (one of ${NETWORKS.join(', ')})`);
      if (!(MIRROR_MODES as readonly string[]).includes(mode)) throw new UsageError(`mode must be one of ${MIRROR_MODES.join(', ')}`);
      // The person's choice, not a moderator's: only their own account token (from a link of theirs) may set it.
      const accountToken = v['account-token'] ?? env.PONTIS_ACCOUNT_TOKEN;
      if (!accountToken) throw new UsageError(`account mirror needs the person's account token (--account-token or PONTIS_ACCOUNT_TOKEN): the accountToken one of their links answered`);
      const r = await api.call('PUT', `/api/v1/accounts/${encodeURIComponent(id)}/mirror`, { network, mode }, { [ACCOUNT_TOKEN_HEADER]: accountToken });
      return print(r, () => `account ${r.accountId}: mirror ${Object.entries<string>(r.mirror).map(([n, m]) => `${n} ${m}`).join(', ') || '(defaults)'}\n`);
    }
    case 'account takedown': {
      noExtra(3);
      if (!v.reason) throw new UsageError('account takedown needs --reason TEXT (it goes into the audit log)');
      const r = await api.call('POST', `/api/v1/admin/accounts/${encodeURIComponent(arg('an account id'))}/takedown`, { reason: v.reason });
      return print(r, () => `account ${r.accountId} is now ${r.status}\n`);
    }
    case 'account restore': {
      noExtra(3);
      const r = await api.call('POST', `/api/v1/admin/accounts/${encodeURIComponent(arg('an account id'))}/restore`, v.reason ? { reason: v.reason } : {});
      return print(r, () => `account ${r.accountId} is now ${r.status}\n`);
    }
    case 'account opt-out': {
      noExtra(3);
      const r = await api.call('POST', `/api/v1/admin/accounts/${encodeURIComponent(arg('an account id'))}/opt-out`, v.reason ? { reason: v.reason } : {});
      return print(r, () => `account ${r.accountId} opted out; ${r.deletionEvents.length} removal event(s) sent for its proxies\n`);
    }
    case 'audit': {
      noExtra(1);
      const r = await api.call('GET', `/api/v1/admin/audit${q({ actor: v.actor, action: v.action, since: v.since, until: v.until, limit: v.limit, before: v.before })}`);
      return print(r, () => table(r.items.map((e: { detail: unknown }) => ({ ...e, detail: JSON.stringify(e.detail) })), ['id', 'createdAt', 'actor', 'action', 'target', 'detail']) + more(r));
    }
    case 'dead-letters list': {
      noExtra(2);
      const r = await api.call('GET', `/api/v1/admin/dead-letters${q({ source: v.source, topic: v.topic, replayed: v.replayed, limit: v.limit, before: v.before })}`);
      return print(r, () => table(r.items, ['id', 'createdAt', 'source', 'topic', 'reason', 'replayedAt']) + more(r));
    }
    case 'dead-letters show': {
      noExtra(3);
      const r = await api.call('GET', `/api/v1/admin/dead-letters/${encodeURIComponent(arg('a dead letter id'))}`);
      return print(r, () => `${table([r], ['id', 'createdAt', 'source', 'topic', 'reason', 'replayedAt'])}${r.payload}\n`);
    }
    case 'dead-letters replay': {
      noExtra(3);
      const r = await api.call('POST', `/api/v1/admin/dead-letters/${encodeURIComponent(arg('a dead letter id'))}/replay`, v.force ? { force: true } : {});
      return print(r, () => `dead letter ${r.id} replayed to ${r.replayedTo}\n`);
    }
    case 'dead-letters delete': {
      noExtra(3);
      const r = await api.call('DELETE', `/api/v1/admin/dead-letters/${encodeURIComponent(arg('a dead letter id'))}`);
      return print(r, () => `dead letter ${r.id} deleted\n`);
    }
    case 'status': {
      noExtra(1);
      const r = await api.call('GET', '/api/v1/status');
      return print(r, () => statusText(r));
    }
    default:
      throw new UsageError(`unknown command "${pos.join(' ')}"`);
  }
}

async function settingsPatch(v: Values, api: ApiClient): Promise<Record<string, unknown>> {
  const patch: Record<string, unknown> = {};
  const networks: Record<string, boolean> = {};
  for (const [flag, on] of [['enable', true], ['disable', false]] as const)
    for (const n of v[flag] ?? []) {
      if (!isNetwork(n)) throw new UsageError(`--${flag} ${n}: unknown network (known: ${NETWORKS.join(', ')})`);
      networks[n] = on;
    }
  if (Object.keys(networks).length) patch.networks = networks;
  if (v['default-consent'] !== undefined) {
    if (v['default-consent'] !== 'opt-in' && v['default-consent'] !== 'opt-out') throw new UsageError('--default-consent must be opt-in or opt-out');
    patch.defaultConsent = v['default-consent'];
  }
  const edits = { blockedDomains: [v['block-domain'], v['unblock-domain']], allowedDomains: [v['allow-domain'], v['disallow-domain']] } as const;
  if (Object.values(edits).some(([add, remove]) => add?.length || remove?.length)) {
    // The API takes whole lists; the CLI edits them. Two admins editing at once: the later write wins.
    const current = await api.call('GET', '/api/v1/admin/settings');
    for (const [field, [add, remove]] of Object.entries(edits)) {
      if (!add?.length && !remove?.length) continue;
      const drop = new Set((remove ?? []).map((d) => d.toLowerCase()));
      patch[field] = [...new Set([...(current[field] as string[]).filter((d) => !drop.has(d)), ...(add ?? [])])];
    }
  }
  return patch;
}

function table(rows: Record<string, unknown>[], cols: string[]): string {
  if (!rows.length) return '(none)\n';
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : String(v)).replace(/\s+/g, ' ').slice(0, 80);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((s, i) => s.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n') + '\n';
}

const more = (r: { nextCursor: string | null }) => (r.nextCursor ? `(more: --before ${r.nextCursor})\n` : '');

function settingsText(s: { networks: Record<string, boolean>; blockedDomains: string[]; allowedDomains: string[]; defaultConsent: string }): string {
  return [
    `networks:        ${Object.entries(s.networks).map(([n, on]) => `${n} ${on ? 'on' : 'off'}`).join(', ')}`,
    `blocked domains: ${s.blockedDomains.join(', ') || '(none)'}`,
    `allowed domains: ${s.allowedDomains.join(', ') || '(all not blocked)'}`,
    `default consent: ${s.defaultConsent}`,
  ].join('\n') + '\n';
}

function accountText(a: any): string {
  const lines = [`account ${a.id}: ${a.consent}, ${a.status}`];
  if (a.hidden) return `${lines[0]}\n${a.hidden}\n`;
  for (const i of a.identities) lines.push(`  ${i.network.padEnd(11)} ${i.kind.padEnd(7)} ${i.handle ?? '-'}  ${i.nativeId}`);
  // The person's choice per network (native: into their own account there; "on": the default).
  if (a.networks) lines.push(`mirror: ${Object.entries<any>(a.networks).map(([n, x]) => `${n} ${x.mirror}`).join(', ')}`);
  lines.push(`last in: ${a.lastIn.length}, last out: ${a.lastOut.length}, failures: ${a.failures.length}`);
  for (const f of a.failures) lines.push(`  ${f.target} ${f.status} after ${f.attempts} attempt(s): ${f.lastError ?? '-'}${f.nextAttemptAt ? ` (next ${f.nextAttemptAt})` : ''}`);
  return lines.join('\n') + '\n';
}

function statusText(s: any): string {
  const lines = [`accounts: ${s.accounts.total} (${s.accounts.optedIn} opted in); events in ${s.events.in}, bridged ${s.events.bridged}, dropped ${s.events.dropped}; dead letters ${s.deadLetters.total}`];
  for (const [n, x] of Object.entries<any>(s.networks))
    lines.push(`  ${n.padEnd(11)} ${x.enabled ? 'on ' : 'off'} ${x.connected ? 'connected' : 'not connected'}  lag ${x.lagSeconds}s  errors ${x.errorRate === null ? '-' : `${Math.round(x.errorRate * 100)}%`}`);
  return lines.join('\n') + '\n';
}
