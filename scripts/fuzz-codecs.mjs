#!/usr/bin/env node
// Fuzzes every weft codec with 1,000,000 fast-check inputs (random bytes,
// mutated valid frames, random and exhaustive chunk splits): only the codecs'
// typed errors, bounded buffers, the same frames however the input is split.
// The properties are shared with test/codec/fuzz.test.ts (100,000 inputs).
//
//   node scripts/fuzz-codecs.mjs [--inputs=1000000] [--seed=42]
//
// Re-runs itself with the TypeScript loader and the weft-source condition.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

if (process.env.WEFT_FUZZ_CHILD !== '1') {
  const r = spawnSync(
    process.execPath,
    ['--conditions=weft-source', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, WEFT_FUZZ_CHILD: '1' }, cwd: join(here, '..') },
  );
  process.exit(r.status ?? 1);
}

const inputs = Number(arg('inputs') ?? 1_000_000);
const seed = arg('seed') === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(arg('seed'));
if (!Number.isInteger(inputs) || inputs < 1) throw new RangeError(`--inputs must be a positive integer`);
const { runProperties } = await import(pathToFileURL(join(here, '..', 'test', 'codec', 'codec-properties.ts')).href);
console.log(`fuzzing codecs with ${inputs.toLocaleString('en-US')} inputs (seed ${seed}; rerun with --seed=${seed})`);
const t0 = performance.now();
try {
  const ran = runProperties(inputs, (line) => console.log(`  ${line}`), seed);
  console.log(`ok: ${ran.toLocaleString('en-US')} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`FAILED (seed ${seed}):\n${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
