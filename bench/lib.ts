/**
 * Shared benchmark harness for `bench/*.ts`.
 *
 * Every benchmark prints a header (Node version, platform, CPU, mode), then
 * one table whose rows read "figure | weft | baseline | ratio | target | met?",
 * where the baseline was measured in the same process, in the same run.
 *
 * Usage:
 * ```ts
 * import { header, measure, printTable, ratioRow, QUICK } from './lib.js';
 * header('spawn');
 * const weft = await measure('weft spawn', () => spawnMany(1000));
 * const raw = await measure('raw', () => rawMany(1000));
 * printTable([ratioRow('spawn+await 1,000', weft, raw, { max: 1.5 })]);
 * ```
 *
 * `--quick` (or `WEFT_BENCH_QUICK=1`) shrinks warm-up, sample counts and
 * workload sizes so a whole benchmark finishes in about a second.
 */
import { cpus, platform, arch } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when run with `--quick` or `WEFT_BENCH_QUICK=1`. */
export const QUICK: boolean = process.argv.includes('--quick') || process.env['WEFT_BENCH_QUICK'] === '1';

/** Node's major version (20, 24, ...). */
export const NODE_MAJOR: number = Number(process.versions.node.split('.')[0]);

/** Picks the full or the `--quick` value. */
export function pick<T>(full: T, quick: T): T {
  return QUICK ? quick : full;
}

/** `globalThis.gc` when run with `--expose-gc`, else undefined. */
export function gcFn(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  return typeof g === 'function' ? g : undefined;
}

/** Full collection (a few passes, with turns of the event loop between them). */
export async function fullGc(): Promise<void> {
  const gc = gcFn();
  if (gc === undefined) return;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  gc();
}

/** Throws unless run with `--expose-gc`, naming the command that works. */
export function requireGc(script: string): () => void {
  const gc = gcFn();
  if (gc === undefined) {
    throw new Error(
      `${script} needs --expose-gc: node --expose-gc --conditions=weft-source --import tsx bench/${script}`,
    );
  }
  return gc;
}

/** A set of samples of one quantity and its summary. */
export interface Stats {
  readonly name: string;
  /** Unit of the figures (`'ms'`, `'µs'`, `'B'`, ...). */
  readonly unit: string;
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Half the inter-quartile range relative to the median, in percent. */
  readonly spreadPct: number;
}

/** Summarises raw samples. */
export function stats(name: string, samples: readonly number[], unit = 'ms'): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return {
    name,
    unit,
    samples,
    median,
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    spreadPct: median === 0 ? 0 : (iqr / 2 / Math.abs(median)) * 100,
  };
}

/** Quantile of an ascending-sorted array (linear interpolation). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export interface MeasureOptions {
  /** Untimed runs before sampling (default 5, quick 2). */
  warmup?: number;
  /** Timed samples (default 15, quick 5). */
  samples?: number;
  /** Calls of `fn` per sample; the figure is per call (default 1). */
  inner?: number;
  /** Divide each sample by this (e.g. tasks per call) to get a per-item figure. */
  per?: number;
  /** Unit of the result: ms (default) or µs or ns. */
  unit?: 'ms' | 'µs' | 'ns';
  /** Run a gc (if exposed) before each sample, untimed (default false: a full gc shrinks the young generation, which then penalises the next sample). */
  gcBetween?: boolean;
}

/**
 * Times `fn` with warm-up and several samples; returns the per-call (or
 * per-item, with `per`) figure of each sample and their median/spread.
 */
export async function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Promise<Stats> {
  const warmup = options.warmup ?? pick(5, 2);
  const count = options.samples ?? pick(15, 5);
  const inner = options.inner ?? 1;
  const per = options.per ?? 1;
  const unit = options.unit ?? 'ms';
  const scale = unit === 'ms' ? 1 : unit === 'µs' ? 1e3 : 1e6;
  const gc = options.gcBetween === true ? gcFn() : undefined;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let s = 0; s < count; s++) {
    if (gc !== undefined) gc();
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    const dt = performance.now() - t0;
    samples.push((dt / inner / per) * scale);
  }
  return stats(name, samples, unit);
}

/** One contender of `measureInterleaved`; `inner` overrides the common calls-per-sample. */
export interface Contender {
  name: string;
  fn: () => unknown;
  inner?: number;
}

/**
 * Times several contenders interleaved (A B C, A B C, ...) so that machine
 * noise hits them alike; returns one Stats per contender, in order.
 *
 * Make each sample last milliseconds, not microseconds (`inner`, per
 * contender if their speeds differ): a sample of a fraction of a millisecond
 * is dominated by whichever GC or page fault lands in it.
 */
export async function measureInterleaved(
  contenders: readonly Contender[],
  options: MeasureOptions = {},
): Promise<Stats[]> {
  const warmup = options.warmup ?? pick(5, 2);
  const count = options.samples ?? pick(15, 5);
  const per = options.per ?? 1;
  const unit = options.unit ?? 'ms';
  const scale = unit === 'ms' ? 1 : unit === 'µs' ? 1e3 : 1e6;
  const gc = options.gcBetween === true ? gcFn() : undefined;
  for (let i = 0; i < warmup; i++) for (const c of contenders) await c.fn();
  const all: number[][] = contenders.map(() => []);
  for (let s = 0; s < count; s++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[k]!;
      const inner = c.inner ?? options.inner ?? 1;
      if (gc !== undefined) gc();
      const t0 = performance.now();
      for (let i = 0; i < inner; i++) await c.fn();
      const dt = performance.now() - t0;
      all[k]!.push((dt / inner / per) * scale);
    }
  }
  return contenders.map((c, k) => stats(c.name, all[k]!, unit));
}

/** A target on a ratio or a value: met when `value <= max` / `value >= min`. */
export interface Target {
  max?: number;
  min?: number;
  /** What the target applies to: 'ratio' (default) or 'value' (the weft figure). */
  on?: 'ratio' | 'value';
  /** Text shown in the target column (default derived from max/min). */
  label?: string;
}

/** One row of the uniform table. */
export interface Row {
  figure: string;
  weft: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}

/** Formats a number with a sensible number of significant digits. */
export function fmt(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const s =
    a >= 1000
      ? Math.round(x).toLocaleString('en-US')
      : a >= 100
        ? x.toFixed(0)
        : a >= 10
          ? x.toFixed(1)
          : a >= 1
            ? x.toFixed(2)
            : x.toFixed(3);
  return unit === '' ? s : `${s} ${unit}`;
}

/** Formats bytes as B / KiB / MiB. */
export function fmtBytes(n: number): string {
  if (Math.abs(n) >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (Math.abs(n) >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

/** "1.23 ms ±4%" from a Stats. */
export function fmtStats(s: Stats): string {
  return `${fmt(s.median, s.unit)} ±${s.spreadPct.toFixed(0)}%`;
}

function targetLabel(t: Target | undefined): string {
  if (t === undefined) return '—';
  if (t.label !== undefined) return t.label;
  const what = t.on === 'value' ? '' : 'x';
  const parts: string[] = [];
  if (t.max !== undefined) parts.push(`≤${t.max}${what}`);
  if (t.min !== undefined) parts.push(`≥${t.min}${what}`);
  return parts.join(' ');
}

function targetMet(t: Target | undefined, ratio: number, value: number): string {
  if (t === undefined || (t.max === undefined && t.min === undefined)) return '—';
  const v = t.on === 'value' ? value : ratio;
  if (!Number.isFinite(v)) return '?';
  const ok = (t.max === undefined || v <= t.max) && (t.min === undefined || v >= t.min);
  return ok ? 'yes' : 'NO';
}

/**
 * Row comparing a weft figure with a baseline: ratio = weft / baseline
 * (so below 1 is better for times). Pass `invert: true` to report
 * baseline / weft instead ("how many times faster than the baseline").
 */
export function ratioRow(
  figure: string,
  weft: Stats | number,
  baseline: Stats | number | undefined,
  target?: Target,
  options: { unit?: string; invert?: boolean } = {},
): Row {
  const w = typeof weft === 'number' ? weft : weft.median;
  const unit = options.unit ?? (typeof weft === 'number' ? '' : weft.unit);
  const wText = typeof weft === 'number' ? fmt(w, unit) : fmtStats(weft);
  if (baseline === undefined) {
    return {
      figure,
      weft: wText,
      baseline: '—',
      ratio: '—',
      target: targetLabel(target),
      met: targetMet(target, NaN, w),
    };
  }
  const b = typeof baseline === 'number' ? baseline : baseline.median;
  const bText = typeof baseline === 'number' ? fmt(b, unit) : fmtStats(baseline);
  const ratio = options.invert === true ? b / w : w / b;
  return {
    figure,
    weft: wText,
    baseline: bText,
    ratio: `${ratio.toFixed(2)}x`,
    target: targetLabel(target),
    met: targetMet(target, ratio, w),
  };
}

/** Row with free text in every column. */
export function textRow(figure: string, weft: string, baseline = '—', ratio = '—', target = '—', met = '—'): Row {
  return { figure, weft, baseline, ratio, target, met };
}

/** Renders rows as an aligned (Markdown-compatible) table. */
export function formatTable(rows: readonly Row[]): string[] {
  const head: Row = {
    figure: 'figure',
    weft: 'weft',
    baseline: 'baseline',
    ratio: 'ratio',
    target: 'target',
    met: 'met?',
  };
  const keys = ['figure', 'weft', 'baseline', 'ratio', 'target', 'met'] as const;
  const all = [head, ...rows];
  const width = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row): string => `| ${keys.map((k, i) => r[k].padEnd(width[i]!)).join(' | ')} |`;
  const sep = `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(head), sep, ...rows.map(line)];
}

/** Prints rows as an aligned table. */
export function printTable(rows: readonly Row[]): void {
  for (const l of formatTable(rows)) console.log(l);
}

/** One-line description of the environment. */
export function envLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `Node ${process.version} · ${platform()}-${arch()} · ${cpu} ×${cpus().length}`;
}

/** Prints the benchmark title, environment and mode. */
export function header(title: string, note?: string): void {
  console.log(`## ${title}`);
  console.log(`${envLine()} · ${QUICK ? 'quick' : 'full'} mode${gcFn() ? ' · gc exposed' : ''}`);
  if (note !== undefined) console.log(note);
  console.log('');
}

/** Per-process memory figures in bytes. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** A promise resolved after the event loop turns once (setImmediate). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Sleeps `ms` with a raw timer (for settling between phases). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when this module is the entry point (`node bench/x.ts`). */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  return fileURLToPath(importMetaUrl) === resolve(entry);
}
