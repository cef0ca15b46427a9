import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn as spawnChild } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Runtime, spawn, sleep } from '../../src/index.js';
import { serveConsole } from '../../src/console/index.js';
import { getJson } from './helpers.js';

const run = promisify(execFile);

test('weft console URL prints the page of a running program and opens $BROWSER with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const rt = new Runtime();
  try {
    await rt.run(async () => {
      await using server = await serveConsole(rt, { port: 0 });
      const t = spawn(() => sleep(60_000), { name: 'visible' });
      // A "browser" that records the URL it was asked to open.
      const opened = join(dir, 'opened');
      const browser = join(dir, 'browser.sh');
      await run('sh', ['-c', `printf '#!/bin/sh\\necho "$1" > ${opened}\\n' > ${browser} && chmod +x ${browser}`]);
      const { stdout } = await run(process.execPath, ['bin/weft.mjs', 'console', server.url], {
        env: { ...process.env, BROWSER: browser },
      });
      assert.match(stdout, new RegExp(`weft console: ${server.url.replace(/[.]/g, '\\.')} \\(2 tasks, 0 warnings\\)`));
      for (let i = 0; i < 50; i++) {
        const got = await run('cat', [opened]).catch(() => undefined);
        if (got !== undefined) {
          assert.equal(got.stdout.trim(), server.url);
          break;
        }
        if (i === 49) assert.fail('$BROWSER was not started');
        await sleep(50);
      }
      t.abort();
      await t.catch(() => {});
    });
  } finally {
    await rt.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weft console URL fails with a clear message when nothing answers there', async () => {
  const err = await run(process.execPath, ['bin/weft.mjs', 'console', 'http://127.0.0.1:9/']).catch((e: unknown) => e);
  assert.equal((err as { code: number }).code, 1);
  assert.match((err as { stderr: string }).stderr, /no console answers at http:\/\/127\.0\.0\.1:9\//);
});

test('weft console --replay FILE serves the recording until interrupted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const file = join(dir, 'rec.jsonl');
  const rt = new Runtime();
  try {
    await rt.run(async () => {
      const server = await serveConsole(rt, { port: 0, publishInterval: 20, record: file });
      await spawn(() => sleep(60), { name: 'recorded' });
      await server.close();
    });
    const child = spawnChild(process.execPath, ['bin/weft.mjs', 'console', '--replay', file, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const info = await getJson(new URL('api/replay', url));
    assert.ok(info.frames >= 3, JSON.stringify(info));
    const mid = await getJson(new URL(`api/state?frame=${Math.floor(info.frames / 2)}`, url));
    assert.ok(Array.isArray(mid.tasks));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    await rt.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is not a recording is refused with ReplayFormatError', async () => {
  const { serveReplay } = await import('../../src/console/replay.js');
  const { ReplayFormatError } = await import('../../src/console/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'a.jsonl'), '{"type":"delta"}\n');
    writeFileSync(join(dir, 'b.jsonl'), 'not json\n');
    await assert.rejects(
      serveReplay(join(dir, 'a.jsonl'), { port: 0 }),
      (e: unknown) => e instanceof ReplayFormatError && /starts with a "state" line/.test(e.message),
    );
    await assert.rejects(serveReplay(join(dir, 'b.jsonl'), { port: 0 }), { code: 'ERR_CONSOLE_REPLAY_FORMAT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
