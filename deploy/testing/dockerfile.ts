/** A small Dockerfile reader for the image checks: no Docker engine runs here, so the file is read as data. */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY... */
  keyword: string;
  /** The rest of the line, continuations joined. */
  args: string;
  line: number;
}

export interface Stage {
  name: string | null;
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending && line.trim().startsWith('#')) return;
    if (!pending) startLine = i + 1;
    const continued = line.endsWith('\\');
    pending += (pending ? ' ' : '') + (continued ? line.slice(0, -1) : line).trim();
    if (continued) return;
    const m = /^(\S+)\s*(.*)$/.exec(pending)!;
    instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: startLine });
    pending = '';
  });
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ base: m[1]!, name: m[2] ?? null, instructions: [] });
    } else if (!stages.length) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      const [k, v = ''] = ins.args.split('=');
      globalArgs[k!.trim()] = v.trim();
    } else stages.at(-1)!.instructions.push(ins);
  }
  return { globalArgs, stages };
}

/** An exec-form JSON array (`["a", "b"]`), or null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.trim().startsWith('[')) return null;
  return JSON.parse(args) as string[];
}

export interface CopySpec {
  from: string | null;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): CopySpec {
  const words = args.split(/\s+/).filter(Boolean);
  let from: string | null = null;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice('--from='.length);
    else if (!w.startsWith('--')) rest.push(w);
  }
  return { from, sources: rest.slice(0, -1), dest: rest.at(-1)! };
}

/**
 * Whether a path is sent to the builder under a .dockerignore allow list (`**`, then `!pattern`
 * lines, then exclusions). The last matching line wins, as in Docker.
 */
export function includedByDockerignore(ignoreText: string, path: string): boolean {
  let included = true;
  for (const raw of ignoreText.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = negate ? line.slice(1) : line;
    // A pattern that matches a directory covers everything under it.
    const re = globToRegExp(pattern);
    const parts = path.split('/');
    if (parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')))) included = negate;
  }
  return included;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
