#!/usr/bin/env node
// The `weft` command. An installed package (no src/) runs dist/console/cli.js;
// a checkout runs the TypeScript sources through tsx, so a stale dist/ never
// answers for the code being worked on.
import { existsSync } from 'node:fs';

const source = new URL('../src/console/cli.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL('../dist/console/cli.js', import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
