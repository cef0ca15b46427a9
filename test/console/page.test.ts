import '../helpers/guard.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, spawn, sleep } from '../../src/index.js';
import { mpsc } from '../../src/sync/index.js';
import { serveConsole } from '../../src/console/index.js';
import { serveReplay } from '../../src/console/replay.js';
import { chromiumOrSkip, launch } from './browser.js';

const skip = chromiumOrSkip();
/**
 * Screenshots go to a temporary directory, removed after the run, so a test
 * run leaves the tree as it was; WEFT_UPDATE_SCREENSHOTS=1 writes them to
 * docs/img (the ones the guide and the README show) instead.
 */
const UPDATE = process.env['WEFT_UPDATE_SCREENSHOTS'] === '1';
const IMG = UPDATE ? 'docs/img' : mkdtempSync(join(tmpdir(), 'weft-screenshots-'));
mkdirSync(IMG, { recursive: true });
after(() => {
  if (!UPDATE) rmSync(IMG, { recursive: true, force: true });
});

test(
  'the page shows a program’s named tasks, filters them, opens a task and shows a triggered lint',
  { skip },
  async () => {
    const rt = Runtime.builder().observe({ taskTimes: true, spawnLocation: true }).onTaskError('ignore').build();
    const browser = await launch();
    try {
      await rt.run(async () => {
        await using server = await serveConsole(rt, { port: 0, publishInterval: 100 });
        const [tx, rx] = mpsc.channel<number>(8, { name: 'jobs' });
        const workers = [1, 2, 3].map((i) =>
          spawn(
            async () => {
              for (let v; (v = await rx.recv()) !== undefined;) await sleep(v);
            },
            { name: `worker-${i}` },
          ),
        );
        const ingest = spawn(
          async (self) => {
            while (!self.signal.aborted) {
              await tx.send(5);
              await sleep(20);
            }
          },
          { name: 'ingest' },
        );
        const sleepers = Array.from({ length: 40 }, (_, i) => spawn(() => sleep(60_000), { name: `timer-${i}` }));
        spawn(
          async () => {
            await sleep(50);
            throw new Error('disk full');
          },
          { name: 'flush' },
        );

        const page = await browser.context.newPage();
        await page.goto(server.url);
        // Named tasks appear in the table.
        await page.locator('#tasks .row:not([hidden])', { hasText: 'ingest' }).first().waitFor();
        await page.locator('#status.live').waitFor();
        assert.match(await page.locator('#task-count').innerText(), /of \d+ tasks/);
        await page.screenshot({ path: join(IMG, 'console-tasks.png') });

        // Filter by name.
        await page.fill('#filter-name', 'worker');
        await page.locator('#task-count', { hasText: /^3 of/ }).waitFor();
        const names = await page.locator('#tasks .row:not([hidden]) span:nth-child(2)').allInnerTexts();
        assert.deepEqual(names.sort(), ['worker-1', 'worker-2', 'worker-3']);
        // Filter by state too: the workers are idle, none is scheduled.
        await page.selectOption('#filter-state', 'scheduled');
        await page.locator('#task-count', { hasText: /^0 of/ }).waitFor();
        await page.selectOption('#filter-state', '');
        await page.fill('#filter-name', '');

        // Open a task's detail.
        await page.fill('#filter-name', 'worker-2');
        await page.locator('#tasks .row:not([hidden])', { hasText: 'worker-2' }).click();
        await page.locator('#detail h3', { hasText: 'worker-2' }).waitFor();
        assert.match(await page.locator('#detail').innerText(), /waits on/);
        await page.locator('#detail svg.hist').first().waitFor();
        await page.screenshot({ path: join(IMG, 'console-task-detail.png') });
        await page.fill('#filter-name', '');

        // From the task to the resource it waits on: the channel, with its waiters.
        await page.locator('#detail a[data-resource]', { hasText: 'jobs' }).click();
        await page.locator('#detail h3', { hasText: /mpsc #\d+ jobs/ }).waitFor();
        const resource = await page.locator('#detail').innerText();
        assert.match(resource, /capacity\s+8/);
        assert.match(resource, /waiters\s+worker-\d #\d+/);
        await page.click('#tabs button[data-tab="resources"]');
        await page.locator('#resources .row:not([hidden])', { hasText: 'jobs' }).waitFor();
        await page.screenshot({ path: join(IMG, 'console-resources.png') });
        await page.click('#tabs button[data-tab="tasks"]');

        // The failure nobody awaited shows in the warnings pane.
        await page.click('#tabs button[data-tab="warnings"]');
        const lint = page.locator('#warnings li[data-code="WEFT_UNOBSERVED_FAILURE"]');
        await lint.waitFor();
        assert.match(await lint.innerText(), /flush.*disk full/);
        await page.screenshot({ path: join(IMG, 'console-warnings.png') });

        // The task tree lists every task under its parent (the root here).
        await page.click('#tabs button[data-tab="tree"]');
        await page.locator('#tree a', { hasText: 'ingest' }).first().waitFor();

        await page.close();
        ingest.abort();
        for (const s of sleepers) s.abort();
        await Promise.allSettled([ingest, ...sleepers]);
        tx.close();
        await Promise.all(workers);
      });
    } finally {
      await browser.close();
      await rt.shutdown();
    }
  },
);

test('the replay page’s time slider shows an earlier state of a recording', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-replay-'));
  const file = join(dir, 'rec.jsonl');
  const rt = new Runtime();
  const browser = await launch();
  try {
    await rt.run(async () => {
      const server = await serveConsole(rt, { port: 0, publishInterval: 40, record: file });
      const early = spawn(() => sleep(150), { name: 'early-bird' });
      await early;
      const late = spawn(() => sleep(10_000), { name: 'night-owl' });
      await sleep(200);
      await server.close();
      late.abort();
      await late.catch(() => {});
    });
    await using replay = await serveReplay(file, { port: 0 });
    const page = await browser.context.newPage();
    await page.goto(replay.url);
    // At the end of the recording: the late task, not the early one.
    await page.locator('#tasks .row:not([hidden])', { hasText: 'night-owl' }).waitFor();
    assert.equal(await page.locator('#tasks .row:not([hidden])', { hasText: 'early-bird' }).count(), 0);
    await page.screenshot({ path: join(IMG, 'console-replay.png') });
    // Back to the first frames: the early task is there, the late one not yet.
    await page.locator('#slider').fill('1');
    await page.locator('#tasks .row:not([hidden])', { hasText: 'early-bird' }).waitFor();
    assert.equal(await page.locator('#tasks .row:not([hidden])', { hasText: 'night-owl' }).count(), 0);
    await page.close();
  } finally {
    await browser.close();
    await rt.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('10,000 live tasks: the table stays virtualised and scrolls to the last task', { skip }, async () => {
  const rt = new Runtime();
  const browser = await launch();
  try {
    await rt.run(async () => {
      await using server = await serveConsole(rt, { port: 0, publishInterval: 200 });
      const tasks = Array.from({ length: 10_000 }, (_, i) => spawn(() => sleep(60_000), { name: `conn-${i}` }));
      const page = await browser.context.newPage();
      await page.goto(server.url);
      await page.locator('#task-count', { hasText: /of 10001 tasks/ }).waitFor();
      const rows = await page.locator('#tasks .row').count();
      assert.ok(rows < 200, `${rows} row elements for 10,000 tasks`);
      await page.locator('#tasks').evaluate((grid) => grid.scrollTo(0, grid.scrollHeight));
      await page.locator('#tasks .row:not([hidden])', { hasText: 'conn-9999' }).waitFor();
      // Several updates arrive while the page is open; each render is timed on the page.
      await sleep(600);
      const renderMs = Number(await page.locator('body').getAttribute('data-render-ms'));
      console.log(`# page render of one update at 10,000 tasks: ${renderMs} ms`);
      assert.ok(renderMs > 0 && renderMs < 1000, `render took ${renderMs} ms`);
      await page.close();
      for (const t of tasks) t.abort();
      await Promise.allSettled(tasks);
    });
  } finally {
    await browser.close();
    await rt.shutdown();
  }
});
