/**
 * The `weft doctor` preload (`node --import <this> app.js`): watches every
 * weft runtime the program makes and the process itself, and appends one
 * `DoctorSample` per interval to the file named by WEFT_DOCTOR_OUT. Nothing
 * in the program changes; the sampling timer is unref'd so it never keeps
 * the program alive.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { observeDefaults, runtimeCreated, type Runtime } from '../../runtime/runtime.js';
import { observeSettings } from '../../runtime/introspection.js';
import { BLOCKED_MS } from './diagnose.js';
import { readResources, readTasks } from '../introspect.js';
import type { DoctorSample } from './sample.js';

const out = process.env['WEFT_DOCTOR_OUT'];
const every = Number(process.env['WEFT_DOCTOR_INTERVAL'] ?? 200);
/** The stall ticker's period, ms (monitorEventLoopDelay's resolution too). */
const TICK_MS = 10;

if (out !== undefined && out !== '') start(out);

function start(path: string): void {
  // Every runtime the program builds observes with task times, and a "long"
  // poll is one that blocks the loop (BLOCKED_MS), so long polls name the blockers.
  observeDefaults.settings = observeSettings({ taskTimes: true, longPoll: BLOCKED_MS });
  const runtimes = new Set<WeakRef<Runtime>>();
  let made = 0;
  const ready = process.env['WEFT_DOCTOR_READY'];
  runtimeCreated.add((rt) => {
    // The doctor counts its duration from here (start-up is not the program).
    if (made === 0 && ready !== undefined && ready !== '') writeFileSync(ready, '');
    made++;
    runtimes.add(new WeakRef(rt));
  });
  const delay = monitorEventLoopDelay({ resolution: TICK_MS });
  delay.enable();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  let last = t0;
  let cpu = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  let runq = runQueueWait();
  // The program's own share of each stall: how late a 10 ms ticker fires,
  // less the run-queue wait since its previous tick (the OS running other
  // processes meanwhile). What is left is the loop held by the program.
  let ownDelay = 0;
  if (runq !== undefined) {
    let tickAt = t0;
    let tickRunq = runq;
    setInterval(() => {
      const now = performance.now();
      const wait = runQueueWait() ?? tickRunq;
      ownDelay = Math.max(ownDelay, now - tickAt - TICK_MS - (wait - tickRunq));
      tickAt = now;
      tickRunq = wait;
    }, TICK_MS).unref();
  }

  const sample = (): void => {
    const now = performance.now();
    const cpuNow = process.cpuUsage();
    const eluNow = performance.eventLoopUtilization();
    const runqNow = runQueueWait();
    const all = [];
    const channels: DoctorSample['channels'] = [];
    for (const ref of runtimes) {
      const rt = ref.deref();
      if (rt === undefined) {
        runtimes.delete(ref);
        continue;
      }
      all.push(...readTasks(rt));
      for (const r of readResources(rt)) {
        const { capacity, length } = r.attributes;
        if (typeof capacity === 'number' && typeof length === 'number' && Number.isFinite(capacity)) {
          channels.push({ id: r.id, name: r.name, length, capacity, waiters: r.waiters.length });
        }
      }
    }
    const tasks = all.filter((t) => t.state !== 'done');
    const waits: Record<string, number> = {};
    for (const t of tasks) for (const w of t.waitsOn) waits[w.op] = (waits[w.op] ?? 0) + 1;
    // Tasks spawned again and again under one name (a request handler, a periodic job) add up:
    // the figures are per name, over alive and retained finished tasks.
    const byName = new Map<string, DoctorSample['top'][number]>();
    for (const t of all) {
      if (t.busyMs === 0 && t.longPolls === 0) continue;
      const key = t.name ?? `#${t.id}`;
      const e = byName.get(key) ?? { id: t.id, name: t.name, busyMs: 0, polls: 0, longPolls: 0 };
      e.busyMs += t.busyMs;
      e.polls += t.polls;
      e.longPolls += t.longPolls;
      byName.set(key, e);
    }
    const top = [...byName.values()].sort((a, b) => b.busyMs - a.busyMs).slice(0, 10);
    const s: DoctorSample = {
      t: Math.round(now - t0),
      runtimes: made,
      wall: now - last,
      cpuMs: (cpuNow.user - cpu.user + cpuNow.system - cpu.system) / 1000,
      elu: performance.eventLoopUtilization(eluNow, elu).utilization,
      delayP99: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
      delayMax: Math.max(delay.count > 0 ? delay.max / 1e6 : 0, now - last - every),
      ...(runqNow === undefined || runq === undefined ? {} : { runqMs: runqNow - runq, ownDelayMs: ownDelay }),
      gcMs,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
      sockets: process.getActiveResourcesInfo().filter((k) => k.startsWith('TCP')).length,
      tasks: tasks.length,
      waits,
      top,
      channels,
    };
    appendFileSync(path, JSON.stringify(s) + '\n');
    delay.reset();
    gcMs = 0;
    last = now;
    cpu = cpuNow;
    elu = eluNow;
    runq = runqNow;
    ownDelay = 0;
  };
  setInterval(sample, every).unref();
  process.on('exit', sample);
}

/**
 * ms this thread (the main thread: the preload samples on it) has waited on
 * the run queue since it started, or undefined off Linux. The second field
 * of schedstat is that wait in ns; it is what separates a loop held up by
 * the program from one the OS did not let run.
 */
function runQueueWait(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}
