#!/usr/bin/env node
// Runs every property test file (test/**/*-property.test.ts) with 10,000 runs
// per property instead of the default 1,000 (WEFT_PROPERTY_RUNS). Extra
// arguments narrow the files by substring, e.g. `node scripts/property-10k.mjs locks`.
// Set WEFT_PROPERTY_RUNS yourself to use another count.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('-property.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = find('test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no property test files matched');
  process.exit(1);
}
const runs = process.env.WEFT_PROPERTY_RUNS || '10000';
console.log(`property tests with WEFT_PROPERTY_RUNS=${runs}: ${files.join(', ')}`);
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...files], {
  stdio: 'inherit',
  env: { ...process.env, WEFT_PROPERTY_RUNS: runs },
});
process.exit(result.status ?? 1);
