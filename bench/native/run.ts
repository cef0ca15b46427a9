/**
 * `npm run bench:native`: weft beside Tokio (current-thread and
 * multi-thread), smol and async-std on the same scenarios, in the same run.
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/native/run.ts [--quick] [--rounds=N] [--only=spawn,echo] [--json=out.json]
 *
 * Builds the Rust crate beside this file offline (Debian's packaged crates,
 * see .cargo/config.toml) when cargo is present, and says what to install
 * when not. Then, for each scenario, runs every contender in a fresh process
 * of its own, contenders alternating (weft, raw Node, tokio-ct, tokio-mt,
 * smol, async-std, then again), `rounds` times; a figure is the median of
 * the processes' figures. Echo runs servers and clients in separate
 * processes, weft and raw Node through bench/echo.ts's own children.
 * README.md beside this file says what each scenario measures and how.
 */
import { spawn, spawnSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envLine, fmt, QUICK, pick, stats } from '../lib.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const REGISTRY = '/usr/share/cargo/registry';
const CRATES = ['tokio', 'smol', 'async-std', 'event-listener', 'libc'];
const NODE_ARGV = ['--expose-gc', '--conditions=weft-source', '--import', 'tsx'];
const RUNTIMES = ['tokio-ct', 'tokio-mt', 'smol', 'async-std'] as const;
const CONTENDERS = ['weft', 'raw', ...RUNTIMES] as const;
type Contender = (typeof CONTENDERS)[number];
type Scenario = 'spawn' | 'pingpong' | 'mpsc' | 'memory' | 'timers';
type Figures = Record<string, number>;

/** Progress on a terminal only (a redirected run keeps its output clean). */
const progress = (text: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r${text.padEnd(60)}`);
};

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** The counts and warm-up rule both sides get, per scenario. */
const PARAMS: Record<Scenario, Record<string, number>> = {
  spawn: { n: 1000, warmup: pick(10, 4), samples: pick(15, 7), inner: pick(20, 5) },
  pingpong: { n: pick(100_000, 20_000), warmup: pick(3, 1), samples: pick(9, 3) },
  mpsc: { n: pick(1_000_000, 200_000), capacity: 1024, warmup: pick(2, 1), samples: pick(7, 3) },
  memory: { n: pick(100_000, 20_000) },
  timers: { n: pick(100_000, 20_000), max: 100 },
};
const ECHO = { connections: 50, size: 4096, warmupMs: 300, totalMs: pick(5000, 1000), rounds: pick(4, 2) };

// ---------------------------------------------------------------- toolchain

/** cargo from $CARGO, the PATH, or rustup's default place; undefined when none runs. */
function findCargo(): string | undefined {
  const candidates = [process.env['CARGO'], 'cargo', join(homedir(), '.cargo/bin/cargo')];
  for (const c of candidates) {
    if (c === undefined || c === '') continue;
    if (spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) return c;
  }
  return undefined;
}

function missingCrates(): string[] {
  const have = existsSync(REGISTRY) ? readdirSync(REGISTRY) : [];
  return CRATES.filter((c) => !have.some((d) => new RegExp(`^${c}-\\d`).test(d)));
}

function versionOf(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: HERE });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** Versions of the crates that matter, from the Cargo.lock the build wrote. */
function crateVersions(): string {
  const lock = readFileSync(join(HERE, 'Cargo.lock'), 'utf8');
  const wanted = ['tokio', 'smol', 'async-std', 'async-executor', 'async-global-executor', 'async-io', 'async-channel'];
  const found: string[] = [];
  for (const m of lock.matchAll(/\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"/g)) {
    if (wanted.includes(m[1]!)) found.push(`${m[1]} ${m[2]}`);
  }
  return found.join(', ');
}

function build(cargo: string): string {
  // cwd inside bench/native: cargo reads .cargo/config.toml from the working directory.
  const r = spawnSync(cargo, ['build', '--release', '--offline'], { cwd: HERE, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\ncargo build failed (exit ${r.status}); the crates it wants are listed above.`);
    process.exit(1);
  }
  const target = process.env['CARGO_TARGET_DIR'] ?? join(HERE, 'target');
  return join(target, 'release', 'weft-native-bench');
}

// ---------------------------------------------------------------- processes

function runJson(cmd: string, args: string[]): Figures {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

function runScenario(bin: string, who: Contender, scenario: Scenario): Figures {
  const kv = Object.entries(PARAMS[scenario]).map(([k, v]) => `${k}=${v}`);
  if (who === 'weft' || who === 'raw') {
    return runJson(process.execPath, [...NODE_ARGV, join(HERE, 'weft.ts'), who, scenario, ...kv]);
  }
  return runJson(bin, [who, scenario, ...kv]);
}

/** CPU time (user + system) a process has used, in µs, from /proc (NaN elsewhere). */
function procCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
  } catch {
    return NaN;
  }
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** A line written by a child to one of its streams, matching `test`. */
function lineFrom(stream: NodeJS.ReadableStream, test: (l: string) => boolean): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      const hit = lines.find(test);
      if (hit !== undefined) {
        stream.off('data', onData);
        stream.off('end', onEnd);
        resolveLine(hit);
      }
    };
    const onEnd = (): void => reject(new Error(`the child ended without writing the line awaited (${buf})`));
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}

function firstMessage<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolveMsg, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child exited with ${code} before reporting`));
    c.once('message', (m) => {
      c.off('exit', onExit);
      resolveMsg(m as T);
    });
    c.once('exit', onExit);
  });
}

interface EchoServer {
  port: number;
  pid: number;
  stop: () => void;
}

interface EchoRun {
  bytes: number;
  ms: number;
  errors: number;
  rtts: number[];
  cpu: number;
  serverCpu: number;
}

const ECHO_TS = join(ROOT, 'bench', 'echo.ts');

async function startEchoServer(bin: string, who: Contender): Promise<EchoServer> {
  if (who === 'weft' || who === 'raw') {
    const c = fork(ECHO_TS, [`--server=${who}`], { cwd: ROOT, execArgv: NODE_ARGV.slice(1) });
    const { port } = await firstMessage<{ port: number }>(c);
    return { port, pid: c.pid!, stop: () => c.send('exit') };
  }
  const c = spawn(bin, [who, 'echo-server'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = Number(await lineFrom(c.stdout, (l) => /^\d+$/.test(l)));
  return { port, pid: c.pid!, stop: () => c.stdin.end() };
}

/** One client run against `server`, the server's CPU read when the client starts and stops measuring. */
async function echoClient(bin: string, who: Contender, server: EchoServer, ms: number): Promise<EchoRun> {
  let result: Promise<Omit<EchoRun, 'serverCpu'>>;
  let measuring: Promise<unknown>;
  if (who === 'weft' || who === 'raw') {
    const c = fork(ECHO_TS, [`--client=${who}`, `--port=${server.port}`, `--ms=${ms}`], {
      cwd: ROOT,
      execArgv: NODE_ARGV.slice(1),
    });
    measuring = firstMessage<string>(c);
    await measuring;
    result = firstMessage(c);
  } else {
    const args = [who, 'echo-client', `port=${server.port}`, `ms=${ms}`, `warmup_ms=${ECHO.warmupMs}`];
    args.push(`connections=${ECHO.connections}`, `size=${ECHO.size}`);
    const c = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    result = new Promise((resolveRun, reject) =>
      c.on('close', (code) =>
        code === 0 ? resolveRun(JSON.parse(out) as EchoRun) : reject(new Error(`${who} echo client exited ${code}`)),
      ),
    );
    measuring = lineFrom(c.stderr, (l) => l === 'measuring');
    await measuring;
  }
  const s0 = procCpu(server.pid);
  const r = await result;
  return { ...r, serverCpu: procCpu(server.pid) - s0 };
}

/** All rounds together (as bench/echo.ts), and each figure's range over the single rounds. */
function summariseEcho(runs: EchoRun[]): Figures {
  const all = summariseRuns(runs);
  if (runs.length > 1) {
    const single = runs.map((r) => summariseRuns([r]));
    for (const k of ['mbps', 'p50', 'p99', 'cpu']) {
      all[`${k}:min`] = Math.min(...single.map((f) => f[k]!));
      all[`${k}:max`] = Math.max(...single.map((f) => f[k]!));
    }
  }
  return all;
}

function summariseRuns(runs: EchoRun[]): Figures {
  const rtts = Float64Array.from(runs.flatMap((r) => r.rtts)).sort();
  const q = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  const sum = (f: (r: EchoRun) => number): number => runs.reduce((a, r) => a + f(r), 0);
  return {
    mbps: sum((r) => r.bytes) / (sum((r) => r.ms) / 1000) / 1e6,
    p50: q(0.5),
    p99: q(0.99),
    cpu: (sum((r) => r.cpu) + sum((r) => r.serverCpu)) / rtts.length,
    errors: sum((r) => r.errors),
    trips: rtts.length,
  };
}

// ---------------------------------------------------------------- the table

interface RowSpec {
  label: string;
  scenario: Scenario | 'echo';
  key: string;
  unit: string;
  better: 'lower' | 'higher';
}

const ROWS: RowSpec[] = [
  {
    label: `spawn + join ${fmt(PARAMS.spawn.n!)} tasks, per task`,
    scenario: 'spawn',
    key: 'median',
    unit: 'ns',
    better: 'lower',
  },
  { label: 'mpsc(1) ping-pong, per round trip', scenario: 'pingpong', key: 'median', unit: 'ns', better: 'lower' },
  {
    label: `mpsc(1,024) ${fmt(PARAMS.mpsc.n!)} values, per value`,
    scenario: 'mpsc',
    key: 'median',
    unit: 'ns',
    better: 'lower',
  },
  { label: 'parked task, heap per task', scenario: 'memory', key: 'heap', unit: 'B', better: 'lower' },
  { label: 'parked task, RSS per task', scenario: 'memory', key: 'rss', unit: 'B', better: 'lower' },
  {
    label: `${fmt(PARAMS.timers.n!)} timers: set-up loop`,
    scenario: 'timers',
    key: 'setup',
    unit: 'ms',
    better: 'lower',
  },
  { label: '  p50 lateness beyond set-up', scenario: 'timers', key: 'p50', unit: 'ms', better: 'lower' },
  { label: '  p99 lateness beyond set-up', scenario: 'timers', key: 'p99', unit: 'ms', better: 'lower' },
  { label: '  total time', scenario: 'timers', key: 'total', unit: 'ms', better: 'lower' },
  { label: 'echo 50 × 4 KiB: throughput', scenario: 'echo', key: 'mbps', unit: 'MB/s', better: 'higher' },
  { label: '  round trip p50', scenario: 'echo', key: 'p50', unit: 'µs', better: 'lower' },
  { label: '  round trip p99', scenario: 'echo', key: 'p99', unit: 'µs', better: 'lower' },
  { label: '  CPU per round trip (server + client)', scenario: 'echo', key: 'cpu', unit: 'µs', better: 'lower' },
];

const TITLES: Record<Contender, string> = {
  weft: 'weft',
  raw: 'raw Node',
  'tokio-ct': 'Tokio current-thread',
  'tokio-mt': 'Tokio multi-thread',
  smol: 'smol',
  'async-std': 'async-std',
};

type Cell = (figures: Figures | undefined, key: string, weft: number, who: Contender) => string;

/** The figure, and beside each other contender's the ratio weft ÷ it. */
const figureCell: Cell = (f, key, weft, who) => {
  const v = f?.[key] ?? NaN;
  if (who === 'weft') return fmt(v);
  const ratio = weft / v;
  return `${fmt(v)} (${Number.isFinite(ratio) ? ratio.toFixed(2) + 'x' : '—'})`;
};

/** The lowest and highest of the processes' figures (for echo, of its rounds'). */
const rangeCell: Cell = (f, key) =>
  f?.[`${key}:min`] === undefined ? '—' : `${fmt(f[`${key}:min`]!)}–${fmt(f[`${key}:max`]!)}`;

function table(results: Map<string, Map<Contender, Figures>>, contenders: readonly Contender[], cell: Cell): string[] {
  const head = ['figure', ...contenders.map((c) => TITLES[c])];
  const rows: string[][] = [];
  for (const spec of ROWS) {
    const byWho = results.get(spec.scenario);
    if (byWho === undefined) continue;
    const weft = byWho.get('weft')?.[spec.key] ?? NaN;
    const cells = contenders.map((c) => cell(byWho.get(c), spec.key, weft, c));
    rows.push([`${spec.label}, ${spec.unit} (${spec.better} is better)`, ...cells]);
  }
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const cargo = findCargo();
  const missing = missingCrates();
  if (cargo === undefined || missing.length > 0) {
    const lacking = [...(cargo === undefined ? ['cargo'] : []), ...missing.map((c) => `librust-${c}-dev`)];
    console.log("bench:native builds a Rust crate offline from Debian-packaged crates (and Debian's or");
    console.log(`rustup's cargo); this machine lacks ${lacking.join(', ')}. Install with:\n`);
    console.log(`  sudo apt-get install ${lacking.join(' ')}\n`);
    console.log(`(or set CARGO to a cargo binary; the crates must be under ${REGISTRY}).`);
    process.exit(1);
  }
  const bin = build(cargo);
  const rustc = join(dirname(cargo), 'rustc');
  const rounds = Number(arg('rounds') ?? pick(3, 1));
  const only = arg('only')?.split(',');
  const wanted = (s: string): boolean => only === undefined || only.includes(s);

  console.log('## weft against native runtimes (bench/native)');
  console.log(`${envLine()} · ${QUICK ? 'quick' : 'full'} mode · load average ${loadavg()[0]!.toFixed(2)} at start`);
  console.log(`${versionOf(existsSync(rustc) ? rustc : 'rustc', ['--version'])} · ${versionOf(cargo, ['--version'])}`);
  console.log(`crates: ${crateVersions()}`);
  console.log(
    `one process per contender per scenario, contenders alternating, ${rounds} round(s); echo: ${ECHO.rounds} rounds of ${ECHO.totalMs / ECHO.rounds} ms per stack`,
  );
  console.log('cell: the figure (weft ÷ it: below 1x weft is lower, above 1x higher)\n');

  const results = new Map<string, Map<Contender, Figures>>();
  const raw: Record<string, unknown> = {};
  for (const scenario of Object.keys(PARAMS) as Scenario[]) {
    if (!wanted(scenario)) continue;
    const perWho = new Map<Contender, Figures[]>();
    for (let r = 0; r < rounds; r++) {
      for (const who of CONTENDERS) {
        progress(`${scenario} round ${r + 1}/${rounds}: ${who}`);
        const f = runScenario(bin, who, scenario);
        if ('delaysSum' in f) {
          const expected = perWho.get('weft')?.[0]?.['delaysSum'] ?? f['delaysSum'];
          if (f['delaysSum'] !== expected) throw new Error(`${who} slept other delays than weft`);
        }
        perWho.set(who, [...(perWho.get(who) ?? []), f]);
      }
    }
    const merged = new Map<Contender, Figures>();
    for (const [who, list] of perWho) {
      const figures: Figures = {};
      for (const k of Object.keys(list[0]!).filter((key) => typeof list[0]![key] === 'number')) {
        const st = stats(
          k,
          list.map((f) => f[k]!),
        );
        figures[k] = st.median;
        figures[`${k}:min`] = st.min;
        figures[`${k}:max`] = st.max;
      }
      merged.set(who, figures);
    }
    results.set(scenario, merged);
    raw[scenario] = Object.fromEntries(perWho);
  }

  if (wanted('echo')) {
    const servers = new Map<Contender, EchoServer>();
    const runs = new Map<Contender, EchoRun[]>();
    try {
      for (const who of CONTENDERS) servers.set(who, await startEchoServer(bin, who));
      for (let r = 0; r < ECHO.rounds; r++) {
        for (const who of CONTENDERS) {
          progress(`echo round ${r + 1}/${ECHO.rounds}: ${who}`);
          const run = await echoClient(bin, who, servers.get(who)!, ECHO.totalMs / ECHO.rounds);
          runs.set(who, [...(runs.get(who) ?? []), run]);
        }
      }
    } finally {
      for (const s of servers.values()) s.stop();
    }
    results.set('echo', new Map([...runs].map(([who, list]) => [who, summariseEcho(list)])));
    raw['echo'] = Object.fromEntries([...results.get('echo')!]);
  }
  progress('');
  if (process.stderr.isTTY) process.stderr.write('\r');

  for (const l of table(results, CONTENDERS, figureCell)) console.log(l);
  if (rounds > 1) {
    console.log(
      `\nrange over the ${rounds} processes (echo: ${ECHO.rounds} rounds) of each cell above, lowest–highest:\n`,
    );
    for (const l of table(results, CONTENDERS, rangeCell)) console.log(l);
  }
  const echo = results.get('echo');
  if (echo !== undefined) {
    const errs = CONTENDERS.map((c) => `${TITLES[c]} ${echo.get(c)!['errors']}`).join(', ');
    console.log(`\necho connection errors: ${errs}`);
  }
  console.log(`load average ${loadavg()[0]!.toFixed(2)} at the end; ${cpus().length} cores`);
  const json = arg('json');
  if (json !== undefined) writeFileSync(json, JSON.stringify(raw, null, 2));
}

await main();
