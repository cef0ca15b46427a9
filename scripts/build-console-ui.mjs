#!/usr/bin/env node
// Bundles the console page (console-ui/) into dist/console-ui/ with esbuild:
// one app.js (uPlot included), one app.css, index.html. No CDN: the page works
// offline. Run by `npm run build`; the console also runs it on first use when
// it is served from sources (src/console/page.ts).
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildConsoleUi() {
  const out = join(root, 'dist', 'console-ui');
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'console-ui', 'main.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    outfile: join(out, 'app.js'),
    logLevel: 'error',
  });
  const css = [
    await readFile(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8'),
    await readFile(join(root, 'console-ui', 'style.css'), 'utf8'),
  ];
  await writeFile(join(out, 'app.css'), css.join('\n'));
  await copyFile(join(root, 'console-ui', 'index.html'), join(out, 'index.html'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildConsoleUi();
