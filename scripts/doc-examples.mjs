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

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=weft-source', '--import', 'tsx', join(OUT, file.name)], {
      stdio: ['ignore', 'pipe', 'pipe'],
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
console.log(`doc examples: ${files.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
