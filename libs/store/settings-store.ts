import type { DataSource, EntityManager } from 'typeorm';
import { NETWORKS, isNetwork, type Network } from '../events/index.js';

export type DefaultConsent = 'opt-in' | 'opt-out';

export interface BridgeSettings {
  /** false turns a network off bridge-wide (the adapter stays up, nothing is bridged to/from it). */
  networks: Record<Network, boolean>;
  blockedDomains: string[];
  /** Empty: every domain not blocked is allowed. */
  allowedDomains: string[];
  defaultConsent: DefaultConsent;
}

export type SettingsPatch = Partial<Omit<BridgeSettings, 'networks'>> & { networks?: Partial<Record<Network, boolean>> };

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Row keys in the settings table; the migration seeds the same defaults. */
const KEYS = {
  networks: 'networks',
  blockedDomains: 'domains.blocked',
  allowedDomains: 'domains.allowed',
  defaultConsent: 'consent.default',
} as const satisfies Record<keyof BridgeSettings, string>;

export function defaultSettings(): BridgeSettings {
  return {
    networks: Object.fromEntries(NETWORKS.map((n) => [n, true])) as Record<Network, boolean>,
    blockedDomains: [],
    allowedDomains: [],
    defaultConsent: 'opt-in',
  };
}

/** Reads all settings; missing or unreadable rows fall back to defaults (a network added later is on). */
export async function loadSettings(db: DataSource | EntityManager, opts: { forUpdate?: boolean } = {}): Promise<BridgeSettings> {
  const rows: { key: string; value: unknown }[] = await db.query(
    `SELECT key, value FROM settings WHERE key = ANY($1)${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [Object.values(KEYS)],
  );
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  const s = defaultSettings();
  const nets = byKey.get(KEYS.networks);
  if (nets && typeof nets === 'object') {
    for (const [k, v] of Object.entries(nets)) if (isNetwork(k) && typeof v === 'boolean') s.networks[k] = v;
  }
  const blocked = byKey.get(KEYS.blockedDomains);
  if (Array.isArray(blocked)) s.blockedDomains = blocked.filter((d): d is string => typeof d === 'string');
  const allowed = byKey.get(KEYS.allowedDomains);
  if (Array.isArray(allowed)) s.allowedDomains = allowed.filter((d): d is string => typeof d === 'string');
  const consent = byKey.get(KEYS.defaultConsent);
  if (consent === 'opt-in' || consent === 'opt-out') s.defaultConsent = consent;
  return s;
}

/**
 * Applies a validated patch and writes one audit_log row, in one transaction: a change
 * without its audit entry (or the reverse) cannot be committed. Returns the new settings.
 */
export async function updateSettings(ds: DataSource, patch: SettingsPatch, auditActor: string): Promise<BridgeSettings> {
  const clean = validatePatch(patch);
  if (!auditActor.trim()) throw new SettingsError('auditActor is required');
  // Only the transaction's manager is used inside: on PGlite another connection would wait for it.
  return ds.transaction(async (tx) => {
    const before = await loadSettings(tx, { forUpdate: true });
    const after: BridgeSettings = {
      ...before,
      ...clean,
      networks: { ...before.networks, ...clean.networks },
    };
    const changed: Partial<Record<keyof BridgeSettings, unknown>> = {};
    for (const field of Object.keys(KEYS) as (keyof BridgeSettings)[]) {
      if (JSON.stringify(before[field]) === JSON.stringify(after[field])) continue;
      changed[field] = after[field];
      await tx.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [KEYS[field], JSON.stringify(after[field])],
      );
    }
    await tx.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, 'settings.update', 'settings', $2::jsonb)`, [
      auditActor,
      JSON.stringify({ patch: clean, changed }),
    ]);
    return after;
  });
}

/** Class form of the two functions, for injection. */
export class SettingsStore {
  constructor(private readonly ds: DataSource) {}
  load(): Promise<BridgeSettings> {
    return loadSettings(this.ds);
  }
  update(patch: SettingsPatch, auditActor: string): Promise<BridgeSettings> {
    return updateSettings(this.ds, patch, auditActor);
  }
}

const DOMAIN = /^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function validatePatch(patch: SettingsPatch): SettingsPatch {
  const out: SettingsPatch = {};
  if (patch.networks !== undefined) {
    out.networks = {};
    for (const [k, v] of Object.entries(patch.networks)) {
      if (!isNetwork(k)) throw new SettingsError(`unknown network "${k}" (known: ${NETWORKS.join(', ')})`);
      if (typeof v !== 'boolean') throw new SettingsError(`networks.${k} must be true or false`);
      out.networks[k] = v;
    }
  }
  if (patch.blockedDomains !== undefined) out.blockedDomains = domains(patch.blockedDomains, 'blockedDomains');
  if (patch.allowedDomains !== undefined) out.allowedDomains = domains(patch.allowedDomains, 'allowedDomains');
  if (patch.defaultConsent !== undefined) {
    if (patch.defaultConsent !== 'opt-in' && patch.defaultConsent !== 'opt-out') throw new SettingsError('defaultConsent must be "opt-in" or "opt-out"');
    out.defaultConsent = patch.defaultConsent;
  }
  return out;
}

/** Lowercased, trimmed, trailing dot removed, deduplicated, sorted: equal lists compare equal. */
function domains(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) throw new SettingsError(`${field} must be an array of domain names`);
  const out = new Set<string>();
  for (const d of list) {
    const norm = typeof d === 'string' ? d.trim().toLowerCase().replace(/\.$/, '') : '';
    if (!DOMAIN.test(norm)) throw new SettingsError(`${field}: "${String(d)}" is not a domain name`);
    out.add(norm);
  }
  return [...out].sort();
}
