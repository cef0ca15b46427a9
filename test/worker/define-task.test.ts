import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TaskDef, defineTask, transfer } from 'weft/worker';
import { add } from '../fixtures/worker-tasks.js';

test('defineTask returns a frozen TaskDef that can also be called here', () => {
  assert.ok(add instanceof TaskDef);
  assert.equal(add.name, 'add');
  assert.match(add.moduleUrl, /worker-tasks\.ts$/);
  assert.equal(add.fn(2, 3), 5);
  assert.ok(Object.isFrozen(add));
});

test('defineTask checks its arguments and refuses a second function under one name', () => {
  const url = 'file:///virtual/tasks.js';
  assert.throws(() => defineTask('tasks.js', 'x', () => 0), TypeError);
  assert.throws(() => defineTask(url, '', () => 0), TypeError);
  assert.throws(() => defineTask(url, 'x', 'nope' as never), TypeError);
  const fn = (): number => 1;
  const def = defineTask(url, 'once', fn);
  assert.equal(defineTask(url, 'once', fn), def, 'the same function again is the same TaskDef');
  assert.throws(() => defineTask(url, 'once', () => 2), /already defines/);
});

test('transfer checks its arguments and returns the value', () => {
  const bytes = new Uint8Array(8);
  assert.equal(transfer(bytes, [bytes]), bytes);
  assert.throws(() => transfer(1 as never, []), TypeError);
  assert.throws(() => transfer({}, [{}] as never), TypeError);
  assert.throws(() => transfer({}, 'x' as never), TypeError);
});

test('compiled .js modules work without any TypeScript loader', { timeout: 60_000 }, async () => {
  const root = fileURLToPath(new URL('../../src/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'weft-js-'));
  try {
    const sources: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.ts')) sources.push(p);
      }
    };
    walk(root);
    await build({
      entryPoints: sources,
      outdir: join(dir, 'weft'),
      outbase: root,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
    });
    writeFileSync(
      join(dir, 'tasks.mjs'),
      `import { defineTask } from './weft/worker/index.js';
export const triple = defineTask(import.meta.url, 'triple', (n) => n * 3);
export const boom = defineTask(import.meta.url, 'boom', () => { throw new RangeError('js boom'); });`,
    );
    writeFileSync(
      join(dir, 'main.mjs'),
      `import { Runtime } from './weft/index.js';
import { spawnWorker, spawnBlocking, parMap } from './weft/worker/index.js';
import { triple, boom } from './tasks.mjs';
const rt = Runtime.builder().multiThread().workerThreads(2).maxBlockingThreads(1).build();
const out = await rt.run(async () => {
  const a = await spawnWorker(triple, 2);
  const b = await spawnBlocking(triple, 3);
  const c = await parMap([1, 2, 3], triple, { chunkSize: 1 });
  const e = await spawnWorker(boom).catch((err) => err.cause.name + ':' + err.cause.message);
  return [a, b, ...c, e].join(',');
});
await rt.shutdown();
console.log(out);`,
    );
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const run = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', env, timeout: 50_000 });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout.trim(), '6,9,3,6,9,RangeError:js boom');
    assert.equal(run.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
