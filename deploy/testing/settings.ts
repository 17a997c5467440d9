/** Reading settings the way compose and Pontis do, for the deployment tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface EnvEntry {
  value: string;
  /** The comment block above it (shared by the keys of one group, up to a blank line). */
  comment: string;
}

/** A dotenv file: KEY=value lines, with the comment block above each kept. */
export function parseEnvFile(text: string): Map<string, EnvEntry> {
  const out = new Map<string, EnvEntry>();
  let comment: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) comment.push(line.replace(/^#\s?/, ''));
    else if (!line) comment = [];
    else {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (!m) throw new Error(`not a KEY=value line: ${line}`);
      if (out.has(m[1]!)) throw new Error(`${m[1]} is set twice`);
      out.set(m[1]!, { value: m[2]!, comment: comment.join('\n') });
    }
  }
  return out;
}

export class MissingVariableError extends Error {}

/**
 * Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
 * defaults may nest. Unset and empty differ only for the forms without a colon.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      out += '$';
      i++;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      const end = closingBrace(text, i + 1);
      out += expand(text.slice(i + 2, end), vars);
      i = end;
    } else out += text[i];
  }
  return out;
}

function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  throw new Error(`unclosed \${ in ${text}`);
}

function expand(body: string, vars: Record<string, string | undefined>): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([\s\S]*))?$/.exec(body);
  if (!m) throw new Error(`cannot read \${${body}}`);
  const [, name, colon, op, arg = ''] = m;
  const value = vars[name!];
  const missing = colon ? !value : value === undefined;
  if (!op || !missing) return value ?? '';
  if (op === '-') return interpolate(arg, vars);
  throw new MissingVariableError(`${name}: ${arg}`);
}

/** Variable names a compose file interpolates. */
export function interpolatedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
}

/**
 * Every environment variable libs/config reads, from its source: `env.NAME`, `env['NAME']` and the
 * helpers' quoted names (`int('PORT', …)`, `list('KAFKA_BROKERS')`). Read from the source so a key
 * added there without documentation fails the deployment tests.
 */
export function configKeysFromSource(repoRoot: string): Set<string> {
  const dir = join(repoRoot, 'libs/config');
  const keys = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) keys.add(m[1]!);
    for (const m of src.matchAll(/\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) keys.add(m[1]!);
    for (const m of src.matchAll(/\(\s*['"]([A-Z][A-Z0-9_]*)['"]\s*[,)]/g)) keys.add(m[1]!);
  }
  return keys;
}
