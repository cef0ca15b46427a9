/**
 * The `weft` command (package.json "bin"):
 *
 *   weft console URL                 prints the console page of a running program (and opens $BROWSER)
 *   weft console --replay FILE [--port N]   serves a recording with a time slider
 *   weft doctor [--duration S] [--report FILE] -- node app.js [args]
 */
import { spawn as spawnChild } from 'node:child_process';
import { formatDiagnosis, runDoctor } from './doctor/run-doctor.js';
import { serveReplay } from './replay.js';

const USAGE = `usage:
  weft console URL                         print (and open with $BROWSER) the console of a running program
  weft console --replay FILE [--port N]    serve a recording (serveConsole({ record })) with a time slider
  weft doctor [--duration S] [--report FILE] -- node app.js [args]
                                           run the program observed, diagnose it, recommend a flavor
                                           (for S seconds from its first weft runtime, default 10)`;

function openBrowser(url: string): void {
  const browser = process.env['BROWSER'];
  if (browser === undefined || browser === '') return;
  const child = spawnChild(browser, [url], { stdio: 'ignore', detached: true });
  child.on('error', (err) => console.error(`weft: could not start $BROWSER (${browser}): ${err.message}`));
  child.unref();
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined) throw new TypeError(`${name} needs a value`);
  args.splice(i, 2);
  return value;
}

async function consoleCommand(args: string[]): Promise<number> {
  const replay = flag(args, '--replay');
  const port = Number(flag(args, '--port') ?? (replay === undefined ? NaN : 6669));
  if (replay !== undefined) {
    const server = await serveReplay(replay, { port });
    console.log(`weft console: replaying ${replay} at ${server.url}`);
    openBrowser(server.url);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  }
  const target = args[0];
  if (target === undefined) {
    console.error(USAGE);
    return 2;
  }
  const url = new URL(/^\d+$/.test(target) ? `http://127.0.0.1:${target}/` : target);
  const res = await fetch(new URL('api/state', url)).catch((err: unknown) => err as Error);
  if (res instanceof Error || !res.ok) {
    console.error(
      `weft console: no console answers at ${url.href} (${res instanceof Error ? res.message : `HTTP ${res.status}`})`,
    );
    return 1;
  }
  const state = (await res.json()) as { tasks: unknown[]; warnings: unknown[] };
  console.log(`weft console: ${url.href} (${state.tasks.length} tasks, ${state.warnings.length} warnings)`);
  openBrowser(url.href);
  return 0;
}

async function doctorCommand(args: string[]): Promise<number> {
  const dash = args.indexOf('--');
  if (dash < 0) {
    console.error(USAGE);
    return 2;
  }
  const own = args.slice(0, dash);
  const command = args.slice(dash + 1);
  const duration = Number(flag(own, '--duration') ?? 10);
  if (!(duration > 0)) throw new RangeError('--duration must be a number of seconds > 0');
  const report = flag(own, '--report') ?? 'weft-doctor.html';
  const result = await runDoctor(command, { duration, report });
  console.log(formatDiagnosis(command, result.diagnosis, result.report));
  return 0;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === 'console') return await consoleCommand(args);
    if (command === 'doctor') return await doctorCommand(args);
  } catch (err) {
    console.error(`weft ${command}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  console.error(USAGE);
  return command === undefined || command === '--help' ? 0 : 2;
}
