/**
 * Helpers for benchmarks that drive servers with an external load generator
 * (`redis-benchmark`, `wrk`): servers run in child processes of their own (the
 * load generator is a separate process too), rounds alternate between the
 * stacks, and a missing tool is reported, not faked.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';

const CHILD_ARGV = ['--conditions=weft-source', '--import', 'tsx'];

/** A server started in a child process, listening on `port`. */
export interface ServerChild {
  readonly port: number;
  /** CPU time (user + system, µs) the server process has used so far: per-request CPU is steadier than throughput on a busy machine. */
  cpu(): Promise<number>;
  stop(): void;
}

/** Forks `file` with `args`; the child sends `{ port }` once it listens and exits on 'exit'. */
export function startServerChild(file: string, args: string[]): Promise<ServerChild> {
  const proc: ChildProcess = fork(file, args, { execArgv: CHILD_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`server child exited with ${code} before listening`));
    proc.once('exit', onExit);
    proc.once('message', (m) => {
      proc.off('exit', onExit);
      resolve({
        port: (m as { port: number }).port,
        cpu: () =>
          new Promise<number>((done) => {
            proc.once('message', (r) => done((r as { cpu: number }).cpu));
            proc.send('cpu');
          }),
        stop: () => proc.send('exit'),
      });
    });
  });
}

/** In a server child: report the port, exit when told. */
export function serveAsChild(port: number): void {
  process.send!({ port });
  process.on('message', (m) => {
    if (m === 'exit') process.exit(0);
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpu: user + system });
    }
  });
}

/** True when `cmd` runs (`cmd --version` exits 0). */
export function hasTool(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return r.error === undefined && (r.status === 0 || /^wrk /.test(`${r.stdout}${r.stderr}`)); // wrk --version exits 1
}

/** Runs a load generator and returns its stdout; throws with its stderr when it fails. */
export function runTool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.error !== undefined || r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || String(r.error)}`);
  return r.stdout;
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
