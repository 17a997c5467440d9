import { readdir, readFile } from 'node:fs/promises';

/** File names the dashboard may serve from its compiled browser folder: modules only, never tests or maps. */
export function isServableModule(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]*\.js$/.test(name) && !name.endsWith('.test.js');
}

/**
 * The browser modules, compiled by the root build next to this file (dist/…/dashboard/browser/),
 * read once: they are small, and a production image has no source tree to read from later.
 */
export async function loadBrowserModules(dir: URL): Promise<Map<string, string>> {
  const modules = new Map<string, string>();
  for (const name of await readdir(dir)) {
    if (!isServableModule(name)) continue;
    // The source-map comment points at files a browser cannot fetch here; drop it rather than 404 in devtools.
    modules.set(name, (await readFile(new URL(name, dir), 'utf8')).replace(/\n\/\/# sourceMappingURL=.*$/m, '\n'));
  }
  return modules;
}
