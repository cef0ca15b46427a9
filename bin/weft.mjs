#!/usr/bin/env node
// The `weft` command. From an installed package it runs dist/console/cli.js;
// from a checkout without a build, it loads the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/console/cli.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/console/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
