import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** The package root: two levels above this file, from src/console/ and from dist/console/ alike. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where `npm run build` puts the page (scripts/build-console-ui.mjs). */
const BUNDLE = join(ROOT, 'dist', 'console-ui');
const SOURCES = join(ROOT, 'console-ui');
const BUILD_SCRIPT = join(ROOT, 'scripts', 'build-console-ui.mjs');

/** The page's files and their content types. */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

let ready: Promise<void> | undefined;

/**
 * Makes sure the bundled page exists. A package install has it in dist/; a
 * checkout run from sources (tests, `npm start`) builds it with esbuild on
 * first use, and again when a file of console-ui/ is newer than the bundle.
 */
export function ensurePage(): Promise<void> {
  return (ready ??= build().catch((err: unknown) => {
    ready = undefined;
    throw err;
  }));
}

async function build(): Promise<void> {
  if (!existsSync(BUILD_SCRIPT) || !existsSync(SOURCES) || !stale()) return;
  const script = (await import(pathToFileURL(BUILD_SCRIPT).href)) as { buildConsoleUi(): Promise<void> };
  await script.buildConsoleUi();
}

function stale(): boolean {
  const bundle = join(BUNDLE, 'app.js');
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  return newest(SOURCES) > built;
}

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    t = Math.max(t, s.isDirectory() ? newest(path) : s.mtimeMs);
  }
  return t;
}

/** One file of the page, or undefined for a name that is not one. */
export function pageAsset(name: string): { body: Buffer; type: string } | undefined {
  const type = ASSETS[name];
  if (type === undefined) return undefined;
  return { body: readFileSync(join(BUNDLE, name)), type };
}
