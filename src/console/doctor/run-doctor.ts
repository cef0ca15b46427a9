import { spawn as spawnChild } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diagnose, type Diagnosis } from './diagnose.js';
import { renderReport } from './report.js';
import type { DoctorSample } from './sample.js';

/** Options of one doctor run. */
export interface DoctorOptions {
  /**
   * Seconds to watch the program before stopping it (it may exit sooner),
   * counted from its first weft runtime: loading its modules is not the
   * program, and a loaded machine can make it take seconds.
   */
  duration: number;
  /** Where the HTML report goes. */
  report: string;
  /** Sampling interval, ms. */
  interval?: number;
}

/** How long the doctor waits for the program's first weft runtime before it stops it, ms. */
const STARTUP_MS = 30_000;

/** The preload, next to this file: .ts when run from sources (then tsx loads it), .js from dist. */
function preloadArgs(): string[] {
  const here = new URL('.', import.meta.url);
  const ts = new URL('preload.ts', here);
  if (import.meta.url.endsWith('.ts') && existsSync(ts)) {
    return ['--conditions=weft-source', '--import', 'tsx', '--import', ts.href];
  }
  return ['--import', new URL('preload.js', here).href];
}

/**
 * Runs `command` (`node app.js args...`) with the doctor's preload, for at
 * most `duration` seconds (then SIGTERM, and SIGKILL 2 s later), and
 * diagnoses what the preload saw.
 */
export async function runDoctor(
  command: string[],
  options: DoctorOptions,
): Promise<{ diagnosis: Diagnosis; samples: DoctorSample[]; report: string; exitCode: number | null }> {
  const [exe, ...args] = command;
  if (exe === undefined) throw new TypeError('weft doctor: no command after --');
  const node = /(^|[\\/])node(\.exe)?$/.test(exe) || exe === process.execPath;
  if (!node) throw new TypeError(`weft doctor: the command must start with node (got ${exe})`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-doctor-'));
  const out = join(dir, 'samples.jsonl');
  writeFileSync(out, '');
  try {
    const ready = join(dir, 'ready');
    const child = spawnChild(process.execPath, [...preloadArgs(), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        WEFT_DOCTOR_OUT: out,
        WEFT_DOCTOR_READY: ready,
        WEFT_DOCTOR_INTERVAL: String(options.interval ?? 200),
      },
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    let kill: NodeJS.Timeout | undefined;
    let stop: NodeJS.Timeout | undefined;
    const stopNow = (): void => {
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    };
    // The duration starts when the preload reports the first runtime (or after STARTUP_MS without one).
    const startupEnds = Date.now() + STARTUP_MS;
    const poll = setInterval(() => {
      if (existsSync(ready)) stop = setTimeout(stopNow, options.duration * 1000);
      else if (Date.now() < startupEnds) return;
      else stopNow();
      clearInterval(poll);
    }, 50);
    const exitCode = await exited;
    clearInterval(poll);
    clearTimeout(stop);
    clearTimeout(kill);
    const samples = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as DoctorSample);
    const diagnosis = diagnose(samples, availableParallelism());
    const report = resolve(options.report);
    writeFileSync(report, renderReport(command, diagnosis, samples));
    return { diagnosis, samples, report, exitCode };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The doctor's text output. */
export function formatDiagnosis(command: string[], d: Diagnosis, report: string): string {
  const lines = [
    `weft doctor: ${command.join(' ')} for ${d.figures.seconds} s (${d.figures.samples} samples)`,
    `diagnosis: ${d.kind}`,
    `recommended: ${d.builder}`,
    ...d.findings.flatMap((f) => [`  - ${f.kind}: ${f.evidence}`, `    -> ${f.advice}`]),
    `report: ${report}`,
  ];
  return lines.join('\n');
}
