#!/usr/bin/env node
// Extracts every ```ts block from JSDoc @example sections in src/ and from
// README.md and docs/*.md, type-checks them all, then runs each one (a failing
// console.assert or a throw fails the run). Examples import 'weft' like users do.
import { readdirSync, readFileSync, statSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

const OUT = '.doc-examples';

function walk(dir, ext) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, ext));
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

function blocks(text) {
  const found = [];
  const re = /```ts\n([\s\S]*?)```/g;
  for (let m; (m = re.exec(text));) found.push(m[1]);
  return found;
}

const examples = [];
for (const file of walk('src', '.ts')) {
  const src = readFileSync(file, 'utf8');
  for (const comment of src.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    if (!comment.includes('@example')) continue;
    const body = comment
      .split('\n')
      .map((line) => line.replace(/^\s*\/?\*+\/?\s?/, ''))
      .join('\n');
    for (const code of blocks(body.slice(body.indexOf('@example')))) examples.push({ from: file, code });
  }
}
for (const file of ['README.md', ...(existsSync('docs') ? walk('docs', '.md') : [])]) {
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  // A block whose first line is `// not run` is shown, not executed (e.g. it waits for Ctrl-C).
  for (const code of blocks(text)) if (!code.startsWith('// not run')) examples.push({ from: file, code });
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);
writeFileSync(
  join(OUT, 'tsconfig.json'),
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { noEmit: true, noUnusedLocals: false },
    include: ['*.ts'],
  }),
);
const files = examples.map((ex, i) => {
  const name = `${String(i).padStart(3, '0')}-${relative('.', ex.from).replace(/[/.]/g, '_')}.ts`;
  writeFileSync(join(OUT, name), `// from ${ex.from}\nexport {};\n${ex.code}`);
  return { name, from: ex.from };
});
console.log(`doc examples: ${files.length} extracted`);

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(OUT, 'tsconfig.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('doc examples: type check failed');
  process.exit(1);
}

// weft/cluster's examples need a NATS server: one is started for the run when
// nats-server is installed (its examples read WEFT_EXAMPLE_NATS).
const nats = await startNats();

async function startNats() {
  const bin = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) =>
    existsSync(p),
  );
  if (bin === undefined) {
    console.log('doc examples: nats-server not installed, the weft/cluster examples run without a server');
    return undefined;
  }
  const { createServer } = await import('node:net');
  const { tmpdir } = await import('node:os');
  const { mkdtempSync } = await import('node:fs');
  const port = await new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'weft-doc-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  const { connect } = await import('node:net');
  for (let i = 0; i < 400; i++) {
    const up = await new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `nats://127.0.0.1:${port}`, child, dir };
}

function run(file) {
  return new Promise((resolve) => {
    const env = nats === undefined ? process.env : { ...process.env, WEFT_EXAMPLE_NATS: nats.url };
    const child = spawn(process.execPath, ['--conditions=weft-source', '--import', 'tsx', join(OUT, file.name)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const assertFailed = output.includes('Assertion failed');
      resolve({ file, ok: code === 0 && !assertFailed, output, code, signal });
    });
  });
}

let failed = 0;
const queue = [...files];
async function worker() {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const r = await run(f);
    if (!r.ok) {
      failed++;
      console.error(`FAIL ${f.name} (from ${f.from}): exit ${r.code ?? r.signal}\n${r.output}`);
    }
  }
}
await Promise.all([worker(), worker()]);
if (nats !== undefined) {
  nats.child.kill('SIGTERM');
  await new Promise((r) => nats.child.once('exit', r));
  rmSync(nats.dir, { recursive: true, force: true });
}
console.log(`doc examples: ${files.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
