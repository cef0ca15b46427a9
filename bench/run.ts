/**
 * Runs every benchmark in bench/ in sequence, each in its own child process
 * (same Node binary, with `--expose-gc`, the weft-source condition and tsx).
 *
 *   npm run bench                       # all, full
 *   npm run bench -- --quick            # all, quick
 *   npm run bench -- spawn sleeps       # only these (names without .ts)
 *   npx -y node@24 --conditions=weft-source --import tsx bench/run.ts --quick
 *
 * Discovers bench/*.ts except lib.ts, run.ts, summary.ts and files starting
 * with `_`, so benchmarks other areas add are picked up. Exits non-zero if any
 * benchmark failed (a missed target is not a failure).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envLine } from './lib.js';

const DIR = dirname(fileURLToPath(import.meta.url));
const SKIP = new Set(['lib.ts', 'run.ts', 'summary.ts']);

export function discover(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !SKIP.has(f) && !f.startsWith('_'))
    .sort();
}

function main(): void {
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('--'));
  const only = args.filter((a) => !a.startsWith('--')).map((a) => a.replace(/\.ts$/, ''));
  const files = discover().filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')));
  if (files.length === 0) throw new Error(`no benchmark matches ${only.join(', ')}`);
  console.log(`# weft benchmarks: ${envLine()}${flags.length > 0 ? ` · ${flags.join(' ')}` : ''}`);
  console.log(`# ${files.join(', ')}\n`);
  const nodeArgs = ['--expose-gc', '--conditions=weft-source', '--import', 'tsx'];
  const failed: string[] = [];
  for (const file of files) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [...nodeArgs, join(DIR, file), ...flags], {
      stdio: 'inherit',
      cwd: join(DIR, '..'),
    });
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (r.status !== 0) {
      failed.push(file);
      console.log(`\n!! ${file} failed (exit ${r.status ?? r.signal}) after ${secs} s\n`);
    } else {
      console.log(`\n(${file}: ${secs} s)\n`);
    }
  }
  if (failed.length > 0) {
    console.log(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main();
