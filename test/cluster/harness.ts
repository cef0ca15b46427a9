/**
 * The cluster test harness: a real `nats-server` per test file (a free
 * 127.0.0.1 port, JetStream on, a temp store directory), restartable on the
 * same port for fault tests, and cluster nodes as child processes driven over
 * IPC. Everything it starts it also stops: `NatsServer.stop()` and
 * `ChildNode.kill()` wait for the process to exit, and `track()`-ed resources
 * are torn down by `cleanup()` (call it in `after`).
 *
 * No mock broker: when nats-server is missing, `startNats()` throws with the
 * install command, so the cluster tests fail loudly instead of skipping.
 */
import { spawn, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where nats-server lives, or a thrown Error that says how to install it. */
export function natsServerPath(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found !== '') return found;
  throw new Error(
    'the weft/cluster tests need a real nats-server and none was found on this machine.\n' +
      'Install it (Debian/Ubuntu): apt-get install -y nats-server\n' +
      '(or put a nats-server >= 2.9 binary on PATH)',
  );
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** One nats-server process owned by a test file. */
export class NatsServer {
  readonly port: number;
  readonly url: string;
  readonly storeDir: string;
  #child: ChildProcess | undefined;
  #log: string[] = [];

  private constructor(port: number, storeDir: string) {
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.storeDir = storeDir;
  }

  /** Starts a server with JetStream on a free port and a fresh temp store. */
  static async start(): Promise<NatsServer> {
    const dir = mkdtempSync(join(tmpdir(), 'weft-nats-'));
    const server = new NatsServer(await freePort(), dir);
    await server.#spawn();
    return server;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async #spawn(): Promise<void> {
    const bin = natsServerPath();
    const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#log.push(chunk);
      if (this.#log.length > 200) this.#log.shift();
    });
    this.#child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await canConnect(this.port)) return;
      await pause(25);
    }
    const log = this.#log.join('');
    await this.stop();
    throw new Error(`nats-server did not start on port ${this.port}:\n${log}`);
  }

  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    const done = exited(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(timer);
    child.stderr?.destroy();
  }

  /** Stops it and starts it again on the same port with the same store (a NATS restart). */
  async restart(downFor = 0): Promise<void> {
    await this.stop();
    if (downFor > 0) await pause(downFor);
    await this.#spawn();
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** A request from the test to a child node, answered with `{ id, ok, value | error }`. */
export interface NodeReply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; code?: string; message: string };
}

/**
 * A cluster node running in its own process (`test/cluster/fixtures/node.ts`):
 * it joins the cluster at `url` under `node`, then runs commands the test
 * sends (`call('spawnCounter', 'c1')`, ...). `kill()` is a SIGKILL.
 */
export class ChildNode {
  readonly node: string;
  readonly #child: ChildProcess;
  #next = 1;
  #pending = new Map<number, { resolve: (v: NodeReply) => void }>();
  #events: unknown[] = [];
  #eventWaiters: Array<() => void> = [];
  readonly ready: Promise<void>;

  private constructor(node: string, child: ChildProcess) {
    this.node = node;
    this.#child = child;
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    child.on('message', (raw) => {
      const msg = raw as { type: string } & Record<string, unknown>;
      if (msg.type === 'ready') readyResolve();
      else if (msg.type === 'reply') {
        const reply = msg as unknown as NodeReply & { type: string };
        const p = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        p?.resolve(reply);
      } else if (msg.type === 'event') {
        this.#events.push(msg['event']);
        for (const w of this.#eventWaiters.splice(0)) w();
      } else if (msg.type === 'fatal') readyReject(new Error(`node ${node} failed to start: ${String(msg['error'])}`));
    });
    child.once('exit', (code, signal) => {
      readyReject(new Error(`node ${node} exited (${code ?? signal}) before it was ready`));
      for (const [id, p] of this.#pending)
        p.resolve({ id, ok: false, error: { name: 'Exited', message: 'node exited' } });
      this.#pending.clear();
      for (const w of this.#eventWaiters.splice(0)) w();
    });
  }

  /** Forks a node process that joins the cluster at `url` as `node`, with optional cluster options. */
  static async start(url: string, node: string, options: Record<string, unknown> = {}): Promise<ChildNode> {
    const child = fork(join(here, 'fixtures', 'node.ts'), [], {
      execArgv: ['--conditions=weft-source', '--import', 'tsx'],
      env: { ...process.env, WEFT_TEST_NATS: url, WEFT_TEST_NODE: node, WEFT_TEST_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const n = new ChildNode(node, child);
    tracked.add(n);
    await n.ready;
    return n;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Runs a command in the node and returns its value (throws with the remote error otherwise). */
  async call(command: string, ...args: unknown[]): Promise<unknown> {
    const reply = await this.tryCall(command, ...args);
    if (!reply.ok) {
      const e = new Error(`${reply.error?.name}: ${reply.error?.message}`) as Error & {
        code?: string;
        remoteName?: string;
      };
      if (reply.error?.code !== undefined) e.code = reply.error.code;
      if (reply.error?.name !== undefined) e.remoteName = reply.error.name;
      throw e;
    }
    return reply.value;
  }

  /** Like call() but returns the raw reply. */
  tryCall(command: string, ...args: unknown[]): Promise<NodeReply> {
    const id = this.#next++;
    return new Promise((resolve) => {
      if (!this.alive) return resolve({ id, ok: false, error: { name: 'Exited', message: 'node exited' } });
      this.#pending.set(id, { resolve });
      this.#child.send({ type: 'call', id, command, args });
    });
  }

  /** Events the node reported (member events, messages its actors saw), oldest first. */
  get events(): readonly unknown[] {
    return this.#events;
  }

  /** Waits until `pred` holds for some reported event, up to `ms`. */
  async waitEvent(pred: (e: unknown) => boolean, ms = 15_000): Promise<unknown> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.#events.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline || !this.alive) throw new Error(`node ${this.node}: no matching event within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#eventWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** SIGKILL: the node dies without leaving. Waits for the exit. */
  async kill(): Promise<void> {
    const done = exited(this.#child);
    this.#child.kill('SIGKILL');
    await done;
    tracked.delete(this);
  }

  /** Asks the node to leave the cluster and exit; SIGKILLs it after 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) {
      tracked.delete(this);
      return;
    }
    const done = exited(this.#child);
    this.#child.send({ type: 'exit' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
    tracked.delete(this);
  }
}

const tracked = new Set<ChildNode>();

/** Stops every child node still running (call in `after`). */
export async function stopAllNodes(): Promise<void> {
  await Promise.all([...tracked].map((n) => n.stop()));
}

/** Polls `pred` every 20 ms until it holds or `ms` pass (then throws `what`). */
export async function eventually(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await pause(20);
  }
}
