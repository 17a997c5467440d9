import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { SERVICE_NAMES } from '../libs/config/index.js';
import { resolveTarget } from './entrypoint-target.js';
import { execForm, includedByDockerignore, parseCopy, parseDockerfile, type Stage } from './testing/dockerfile.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const dockerfile = parseDockerfile(read('deploy/Dockerfile'));
const ignore = read('deploy/Dockerfile.dockerignore');
const runtime = dockerfile.stages.at(-1)!;
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

describe('container image (deploy/Dockerfile, read as data: no Docker engine here)', () => {
  it('is multi-stage and every stage starts from the pinned Node version', () => {
    assert.ok(dockerfile.stages.length >= 3, 'build, production deps and runtime stages');
    const pinned = /PONTIS_NODE_VERSION=(\S+)/.exec(read('scripts/node-env.sh'))![1]!;
    const base = dockerfile.globalArgs.NODE_IMAGE;
    assert.match(base ?? '', new RegExp(`^node:${pinned.replace(/\./g, '\\.')}-`), 'the image runs the Node scripts/node-env.sh pins');
    for (const s of dockerfile.stages) assert.equal(s.base, '${NODE_IMAGE}', `stage ${s.name}`);
  });

  it('runs as a non-root user', () => {
    const users = of(runtime, 'USER');
    assert.ok(users.length, 'the runtime stage sets USER');
    const user = users.at(-1)!.args.split(':')[0]!;
    assert.ok(!['root', '0'].includes(user), `USER ${user}`);
    assert.match(user, /^\d+$/, 'numeric, so runAsNonRoot can verify it');
    const entry = of(runtime, 'ENTRYPOINT')[0]!;
    assert.ok(users.at(-1)!.line < entry.line, 'USER comes before the entry point');
  });

  it('ships production dependencies only', () => {
    const installs = dockerfile.stages.flatMap((s) => of(s, 'RUN').filter((r) => /npm (ci|install)/.test(r.args)).map((r) => ({ stage: s.name, args: r.args })));
    const prodStages = installs.filter((i) => /--omit=dev/.test(i.args)).map((i) => i.stage);
    assert.ok(prodStages.length, 'one stage installs with --omit=dev');
    const modules = of(runtime, 'COPY').map((c) => parseCopy(c.args)).filter((c) => c.dest.replace(/\/$/, '').endsWith('node_modules'));
    assert.equal(modules.length, 1);
    assert.ok(prodStages.includes(modules[0]!.from), `node_modules comes from ${modules[0]!.from}, a --omit=dev stage`);
    assert.equal(of(runtime, 'RUN').filter((r) => /npm (ci|install)/.test(r.args)).length, 0, 'nothing installed in the runtime stage');
    const compile = dockerfile.stages.flatMap((s) => of(s, 'RUN')).find((r) => r.args.includes('tsc'));
    assert.match(compile?.args ?? '', /-name '\*\.test\.js' -delete/, 'compiled tests are dropped');
  });

  it('starts through the entry point the tests exercise, defaulting to all services', () => {
    const entry = execForm(of(runtime, 'ENTRYPOINT')[0]!.args);
    assert.ok(entry, 'exec form, so signals reach node');
    assert.equal(entry[0], 'node');
    const script = entry.find((a) => a.endsWith('.js'))!;
    assert.equal(script, 'dist/deploy/entrypoint.js');
    assert.ok(existsSync(fileURLToPath(new URL('./entrypoint.js', import.meta.url))), 'tsc compiles deploy/entrypoint.ts to that path');
    const cmd = execForm(of(runtime, 'CMD')[0]!.args)!;
    assert.doesNotThrow(() => resolveTarget(cmd));
    assert.equal(of(runtime, 'WORKDIR').at(-1)!.args, '/app');
    assert.ok(of(runtime, 'COPY').some((c) => parseCopy(c.args).sources.includes('package.json')), 'package.json ("type": "module") is in the runtime');
  });

  it('listens on all interfaces and has a health check on /health', () => {
    const env = of(runtime, 'ENV').map((e) => e.args).join(' ');
    assert.match(env, /HOST=0\.0\.0\.0/);
    assert.match(of(runtime, 'HEALTHCHECK')[0]?.args ?? '', /\/health/);
  });

  it('copies only files that exist and that the ignore file sends to the builder', () => {
    for (const stage of dockerfile.stages) {
      for (const c of of(stage, 'COPY').map((i) => parseCopy(i.args)).filter((c) => !c.from)) {
        for (const src of c.sources) {
          const probe = src.includes('*') ? src.replace(/\*.*$/, '') : src;
          assert.ok(existsSync(`${root}${probe}`), `${src} exists`);
          const sample = src.includes('*') ? src.replace('*', 'entrypoint') : statSync(`${root}${src}`).isDirectory() ? `${src}/index.ts` : src;
          assert.ok(includedByDockerignore(ignore, sample), `${sample} is not excluded by Dockerfile.dockerignore`);
        }
      }
    }
    assert.equal(includedByDockerignore(ignore, 'node_modules/typescript/package.json'), false);
    assert.equal(includedByDockerignore(ignore, 'libs/store/node_modules/x'), false);
    assert.equal(includedByDockerignore(ignore, '.tools/node-24.18.1/bin/node'), false);
    assert.equal(includedByDockerignore(ignore, 'deploy/.env'), false, 'local secrets never reach the builder');
    assert.equal(includedByDockerignore(ignore, 'libs/store/migrate.ts'), true);
  });
});

/**
 * Every package the runtime can load through static imports, starting from the entry point and
 * every script it runs, plus packages those files load with a literal `import('pkg')` (the Nostr
 * WebAssembly verifier). The image has production dependencies only, so each must be one of them.
 * A dynamic import of our own files is not followed: it is how the sandbox reaches its dev-only peers.
 */
function staticPackages(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    const staticSpecs = [...src.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    // Relative dynamic imports too (a process loads only the service modules it runs:
    // services/pontis/run-services.ts), except the local sandbox's peers, loaded only in development.
    const dynamicSpecs = [...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!).filter((x) => !x.includes('/libs/harness/'));
    for (const spec of [...staticSpecs, ...dynamicSpecs]) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, file.slice(root.length));
      }
    }
  }
  return packages;
}

/** Files under a directory, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('what the build stage can compile', () => {
  it("has every source the copied files import: none reaches into test/, bench/ or the deploy tests", () => {
    const build = dockerfile.stages[0]!;
    const copied = of(build, 'COPY').map((c) => parseCopy(c.args)).filter((c) => !c.from).flatMap((c) => c.sources);
    const inContext = (rel: string) => copied.some((src) => rel === src || rel.startsWith(`${src}/`));
    const sources = copied.filter((src) => existsSync(`${root}${src}`)).flatMap((src) => (statSync(`${root}${src}`).isDirectory() ? walk(`${root}${src}`) : [`${root}${src}`])).filter((f) => f.endsWith('.ts'));
    assert.ok(sources.length > 50);
    const outside: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = relative(root, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
        if (!inContext(target)) outside.push(`${relative(root, file)} -> ${target}`);
      }
    }
    assert.deepEqual(outside, []);
  });
});

describe('what the runtime stage can run', () => {
  it('loads only packages a production install has, from the entry point and every script it runs', (t) => {
    const dist = fileURLToPath(new URL('../', import.meta.url));
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    // What `npm ci --omit=dev` installs at the top of node_modules: the lock's non-dev packages.
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
    const inProdInstall = (name: string) => {
      const entry = lock.packages[`node_modules/${name}`];
      return !!entry && !entry.dev && !entry.devOptional;
    };
    const scripts = ['all', 'migrate', ...SERVICE_NAMES].map((c) => `${dist}${resolveTarget([c]).script}`);
    const used = staticPackages([fileURLToPath(new URL('./entrypoint.js', import.meta.url)), ...scripts]);
    assert.ok(used.has('@nestjs/core') && used.has('typeorm') && used.has('nostr-wasm'), 'the walk reaches the services');
    const missing = [...used].filter(([name]) => !inProdInstall(name)).map(([name, from]) => `${name} (imported by ${from})`);
    assert.deepEqual(missing, [], 'packages a production install lacks (dev dependencies, or not installed at all)');
    // Present only as another package's dependency: works today, breaks when that package drops it.
    const undeclared = [...used].filter(([name]) => !(name in pkg.dependencies)).map(([name, from]) => `${name} (imported by ${from})`);
    if (undeclared.length) t.diagnostic(`imported but not in "dependencies" (installed transitively): ${undeclared.join(', ')}`);
  });
});

describe('the Dockerfile reader', () => {
  it('joins continuations, skips comments and reads stages', () => {
    const df = parseDockerfile('ARG B=node:1\n# c\nFROM ${B} AS one\nRUN a \\\n  # inner\n  && b\nFROM one\nUSER 1000\n');
    assert.deepEqual(df.globalArgs, { B: 'node:1' });
    assert.equal(df.stages.length, 2);
    assert.equal(df.stages[0]!.instructions[0]!.args, 'a && b');
    assert.equal(df.stages[1]!.name, null);
    assert.throws(() => parseDockerfile('RUN x\nFROM y'), /before the first FROM/);
  });
});
