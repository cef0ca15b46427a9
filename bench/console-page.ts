/**
 * The console page's cost per publish interval with 10,000 live tasks, in
 * Debian's Chromium driven by playwright-core (not part of `npm test`).
 *
 * The program: 10,000 tasks, each sleeping a random 0.5–5 s in a loop, so
 * every update carries a few thousand changed tasks (their polls, times and
 * waits moved). The page is open on the tasks table. Measured on the page,
 * per update: parsing and applying the delta (`weft:apply`, from the SSE
 * message to the store) and rendering it (`weft:render`, the frame's views),
 * both User Timing entries the page makes; and over the whole run, the
 * renderer's main-thread work per interval from the DevTools protocol
 * (`Performance.getMetrics` in thread time: script, style, layout and all
 * tasks), which a loaded machine disturbs less than wall time.
 *
 *   node --conditions=weft-source --import tsx bench/console-page.ts [--quick]
 */
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg } from 'node:os';
import { Runtime, spawn, sleep } from '../src/index.js';
import { serveConsole } from '../src/console/index.js';
import { CHROMIUM, launch } from '../test/console/browser.js';
import { header, pick } from './lib.js';

const LIVE = 10_000;
const INTERVAL = 1000;
const SECONDS = pick(30, 6);

header('console page: apply + render per publish interval at 10,000 live tasks (Chromium)');
if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is missing: nothing measured`);
  process.exit(0);
}
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.ceil(i)]! - s[lo]!) * (i - lo);
}

/** Counts the tasks each SSE update carries, as the page receives them. */
function deltaSizes(url: string): { sizes: number[]; close(): void } {
  const sizes: number[] = [];
  let buffer = '';
  const req = get(new URL('api/updates', url), (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end; (end = buffer.indexOf('\n\n')) >= 0;) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n'))
          if (line.startsWith('data: '))
            sizes.push((JSON.parse(line.slice(6)) as { tasks?: unknown[] }).tasks?.length ?? 0);
      }
    });
    res.on('error', () => {});
  });
  req.on('error', () => {});
  return { sizes, close: () => req.destroy() };
}

const rt = Runtime.builder().observe({ taskTimes: true }).build();
const browser = await launch();
try {
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: INTERVAL });
    const tasks = Array.from({ length: LIVE }, (_, i) =>
      spawn(
        async (self) => {
          while (!self.signal.aborted) await sleep(500 + Math.random() * 4500);
        },
        { name: `conn-${i}` },
      ),
    );
    const page = await browser.context.newPage();
    // Collects the page's User Timing entries from the first update on (the page clears its own buffer).
    await page.addInitScript(() => {
      const w = globalThis as unknown as { weftTimes: Record<string, number[]> };
      w.weftTimes = { 'weft:apply': [], 'weft:render': [] };
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.weftTimes[e.name]?.push(e.duration);
      }).observe({ entryTypes: ['measure'] });
    });
    await page.goto(server.url);
    await page.locator('#task-count', { hasText: /of 10001 tasks/ }).waitFor({ timeout: 60_000 });
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const metrics = async (): Promise<Record<string, number>> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
    };
    // Settle past the first full load, then measure a steady stretch.
    await sleep(3 * INTERVAL);
    await page.evaluate(() => {
      const w = globalThis as unknown as { weftTimes: Record<string, number[]> };
      for (const k of Object.keys(w.weftTimes)) w.weftTimes[k] = [];
    });
    const sse = deltaSizes(server.url);
    const m0 = await metrics();
    await sleep(SECONDS * 1000);
    const m1 = await metrics();
    const times = await page.evaluate(
      () => (globalThis as unknown as { weftTimes: Record<string, number[]> }).weftTimes,
    );
    sse.close();
    const per = (name: string): number => ((m1[name]! - m0[name]!) * 1000) / SECONDS; // s -> ms, per interval
    const apply = times['weft:apply'] ?? [];
    const render = times['weft:render'] ?? [];
    const sizes = sse.sizes.slice(1); // the subscriber's first event is the whole state
    const f = (x: number): string => x.toFixed(1);
    const stat = (xs: number[]): string =>
      `median ${f(quantile(xs, 0.5))} ms, p90 ${f(quantile(xs, 0.9))} ms, max ${f(Math.max(...xs))} ms (${xs.length} updates)`;
    console.log(
      `updates: ${SECONDS} s at publishInterval ${INTERVAL} ms; tasks per update: median ${quantile(sizes, 0.5)}, range ${Math.min(...sizes)}–${Math.max(...sizes)}`,
    );
    console.log(`parse + apply one update (weft:apply, wall) : ${stat(apply)}`);
    console.log(`render one update (weft:render, wall)       : ${stat(render)}`);
    const total = per('TaskDuration');
    console.log(
      `renderer main thread per interval (thread time): all tasks ${f(total)} ms = ${f((total / INTERVAL) * 100)}% of the interval; script ${f(per('ScriptDuration'))} ms, style ${f(per('RecalcStyleDuration'))} ms, layout ${f(per('LayoutDuration'))} ms`,
    );
    console.log(
      `load average at end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    await page.close();
    for (const t of tasks) t.abort();
    await Promise.allSettled(tasks);
  });
} finally {
  await browser.close();
  await rt.shutdown();
}
