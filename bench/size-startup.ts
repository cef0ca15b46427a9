/**
 * "Binary size" and start-up, translated to a Node package.
 *
 *   node --conditions=weft-source --import tsx bench/size-startup.ts [--quick] [--no-build]
 *
 * - packed size: `npm run build` (tsc to dist/, git-ignored), then
 *   `npm pack --dry-run --json`: the tarball size, unpacked size, file count.
 * - core entry for a bundler: dist/index.js bundled with esbuild (platform
 *   node, ESM, minified), raw and gzipped; src/index.ts bundled the same way
 *   for comparison. Baseline: an empty entry bundled the same way (esbuild's
 *   own overhead).
 * - start-up: the time `import('weft')` adds to a bare node start. Child
 *   processes of this same Node binary, interleaved, at least 20 of each:
 *   `node --input-type=module -e "0"` against
 *   `node --input-type=module -e "await import('weft')"` (resolved from the
 *   package itself, so from the built dist/, without the weft-source
 *   condition). `node -e "0"` (CommonJS) is shown for reference. The same
 *   import is also timed inside a fresh process (performance.now() around
 *   it), for dist/ as built (one ES module per source file) and for dist/
 *   bundled into one file, which shows what the module count costs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { fmtBytes, header, isMain, pick, printTable, ratioRow, stats, textRow, type Row } from './lib.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `npm run build`; returns an error note (tsc reports errors but still emits) or undefined. */
export function buildDist(): string | undefined {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error(`npm run build did not produce dist/index.js:\n${r.stdout}${r.stderr}`);
  }
  if (r.status !== 0) {
    const first = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.includes('error')) ?? 'errors';
    return `npm run build exited ${r.status} (dist/ emitted anyway): ${first.trim()}`;
  }
  return undefined;
}

export interface PackInfo {
  size: number;
  unpackedSize: number;
  entryCount: number;
}

export function packInfo(): PackInfo {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [info] = JSON.parse(out) as PackInfo[];
  if (info === undefined) throw new Error('npm pack --dry-run --json printed nothing');
  return { size: info.size, unpackedSize: info.unpackedSize, entryCount: info.entryCount };
}

export interface BundleInfo {
  minified: number;
  gzipped: number;
}

/** Bundles `entry` (a file, or contents with `stdin`) minified for node; returns raw and gzip sizes. */
export async function bundleSize(entry: string | { contents: string }): Promise<BundleInfo> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'js' as const } }),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

/** Bundles dist/index.js into one unminified ESM file (what shipping a bundle would load). */
async function singleFileBundle(dir: string): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'dist', 'index.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const file = join(dir, 'weft-bundle.mjs');
  writeFileSync(file, result.outputFiles[0]!.contents);
  return file;
}

/** `import(spec)` timed inside fresh child processes (ms, one per run). */
export function importTimes(specs: string[], runs: number): number[][] {
  const code = (spec: string): string =>
    `const t0 = performance.now(); await import(${JSON.stringify(spec)}); process.stdout.write(String(performance.now() - t0));`;
  const out = specs.map(() => [] as number[]);
  for (let r = 0; r < runs + 2; r++) {
    for (let k = 0; k < specs.length; k++) {
      const res = spawnSync(process.execPath, ['--input-type=module', '-e', code(specs[k]!)], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`import(${specs[k]}) failed: ${res.stderr}`);
      if (r >= 2) out[k]!.push(Number(res.stdout));
    }
  }
  return out;
}

function startMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const dt = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${String(r.stderr)}`);
  return dt;
}

/** Interleaved child-process start times (ms) for each argument list. */
export function startTimes(variants: string[][], runs: number, warmup = 3): number[][] {
  for (let w = 0; w < warmup; w++) for (const v of variants) startMs(v);
  const out = variants.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) for (let k = 0; k < variants.length; k++) out[k]!.push(startMs(variants[k]!));
  return out;
}

async function main(): Promise<void> {
  header('package size and start-up');
  const notes: string[] = [];
  if (!process.argv.includes('--no-build')) {
    const note = buildDist();
    if (note !== undefined) notes.push(note);
  } else if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('--no-build: dist/index.js does not exist; run npm run build');
  }
  const pack = packInfo();
  const empty = await bundleSize({ contents: 'export {};' });
  const dist = await bundleSize(join(ROOT, 'dist', 'index.js'));
  const src = await bundleSize(join(ROOT, 'src', 'index.ts'));

  const runs = pick(30, 20);
  const [bareEsm, weft, bareCjs] = startTimes(
    [
      ['--input-type=module', '-e', '0'],
      ['--input-type=module', '-e', "await import('weft')"],
      ['-e', '0'],
    ],
    runs,
  );
  const sEsm = stats('bare ESM', bareEsm!);
  const sWeft = stats('weft', weft!);
  const sCjs = stats('bare CJS', bareCjs!);
  const added = weft!.map((t, i) => t - bareEsm![i]!);
  const sAdded = stats('added', added);

  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  let inProcess: number[][];
  try {
    const bundled = await singleFileBundle(dir);
    inProcess = importTimes(['weft', bundled, 'node:http'], pick(20, 10));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const [impWeft, impBundle, impHttp] = inProcess.map((xs, k) => stats(String(k), xs));

  const rows: Row[] = [
    textRow('packed size (npm pack)', fmtBytes(pack.size), '—', '—', '—', '—'),
    textRow('unpacked size / files', `${fmtBytes(pack.unpackedSize)} / ${pack.entryCount}`),
    textRow('core entry: dist/index.js, esbuild minified', fmtBytes(dist.minified), fmtBytes(empty.minified)),
    textRow('core entry: minified + gzip', fmtBytes(dist.gzipped), fmtBytes(empty.gzipped)),
    textRow('core entry from src/index.ts, minified + gzip', fmtBytes(src.gzipped)),
    ratioRow('node start + import("weft") (vs bare ESM start)', sWeft, sEsm),
    ratioRow('time import("weft") adds (paired median)', sAdded, undefined, {
      max: 20,
      on: 'value',
      label: '<20 ms',
    }),
    ratioRow('import("weft") timed inside the process', impWeft!, undefined, { max: 20, on: 'value', label: '<20 ms' }),
    ratioRow('  same, dist bundled into one file (what-if)', impBundle!, impWeft!),
    ratioRow('  import("node:http") inside the process, for scale', impHttp!, undefined),
    ratioRow('bare `node -e 0` (CJS), for reference', sCjs, undefined),
    textRow('start-up runs (interleaved, each)', String(runs)),
  ];
  printTable(rows);
  for (const n of notes) console.log(`note: ${n}`);
}

if (isMain(import.meta.url)) await main();
