#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner and the TypeScript
// loader, resolving 'weft' to the sources (the "weft-source" export condition).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = find('test')
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A hung test must fail on its own, not stall the whole run (and CI with it):
// each test gets a deadline, and a file whose tests are all done exits even
// if a failed test left a socket or timer behind (the leak guard reports it).
const args = [
  '--conditions=weft-source',
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-timeout=240000',
  '--test-force-exit',
  ...files,
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
