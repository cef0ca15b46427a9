import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * What `dist/*.d.ts` shows is the public API: members marked `@internal` are
 * stripped (tsconfig.build.json `stripInternal`). This builds the declarations
 * the way `npm run build` does, walks every type reachable from the package's
 * entry points, and fails on a member that is machinery, not API.
 */

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types?: string } | string | null>;
};

/** Members that must never show in the published types: `name` on any class or interface, `Type.name` on that one. */
const INTERNAL_MEMBERS = [
  'spawnTask',
  'spawnProxy',
  'taskFinished',
  'attachThreads',
  'runRoot',
  'Runtime.aliveTasks',
  'isShutdown',
  'clock',
  'timers',
  'taskDone',
  'linkWait',
  'unlinkWait',
  'halfClosed',
  'io',
  '[kMove]',
  '[kSelect]',
  '[kReadWithin]',
];

/** Handles made by a factory (`mpsc()`, `spawn()`, `connect()`...): their constructor is not API. */
const NO_PUBLIC_CONSTRUCTOR = [
  'JoinHandle',
  'Sender',
  'UnboundedSender',
  'Receiver',
  'OneshotSender',
  'OneshotReceiver',
  'TcpStream',
  'UnixStream',
  'ReadHalf',
  'WriteHalf',
];

/** Names that are machinery and must not be reachable from an entry point at all. */
const INTERNAL_TYPES = ['Task', 'TaskHost', 'Clock', 'TimerHeap', 'Parked', 'WaitQueue', 'Inner', 'Chan'];

let outDir = '';
let surface = new Map<string, Set<string>>();
let diagnostics: string[] = [];

function memberName(symbol: ts.Symbol): string {
  const name = symbol.escapedName as string;
  const computed = /^__@(\w+)@\d+$/.exec(name);
  return computed === null ? name : `[${computed[1]}]`;
}

/** Every class and interface reachable from the entry points, with its member names (constructor as `constructor(n)`). */
function collectSurface(program: ts.Program, entries: string[]): Map<string, Set<string>> {
  const checker = program.getTypeChecker();
  const out = new Map<string, Set<string>>();
  const queue: ts.Symbol[] = [];
  const seen = new Set<ts.Symbol>();
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const ours = (s: ts.Symbol): boolean =>
    (s.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(outDir));
  const enqueue = (s: ts.Symbol | undefined): void => {
    if (s === undefined) return;
    const target = resolve(s);
    if (seen.has(target) || !ours(target)) return;
    seen.add(target);
    queue.push(target);
  };
  const visitTypes = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node)) enqueue(checker.getSymbolAtLocation(node.typeName));
    if (ts.isExpressionWithTypeArguments(node)) enqueue(checker.getSymbolAtLocation(node.expression));
    if (ts.isTypeQueryNode(node)) enqueue(checker.getSymbolAtLocation(node.exprName));
    ts.forEachChild(node, visitTypes);
  };
  for (const file of entries) {
    const source = program.getSourceFile(file);
    assert.ok(source, `missing declaration entry ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    assert.ok(moduleSymbol, `${file} is not a module`);
    for (const s of checker.getExportsOfModule(moduleSymbol)) enqueue(s);
  }
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    const members = new Set<string>();
    out.set(s.name, members);
    for (const d of s.declarations ?? []) visitTypes(d);
    if (s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      for (const p of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(s))) members.add(memberName(p));
    }
    if (s.flags & ts.SymbolFlags.Class) {
      for (const p of checker.getPropertiesOfType(checker.getTypeOfSymbol(s))) {
        if (p.name !== 'prototype') members.add(`static ${memberName(p)}`);
      }
      for (const d of s.declarations ?? []) {
        if (!ts.isClassDeclaration(d)) continue;
        for (const m of d.members) {
          if (ts.isConstructorDeclaration(m) && !ts.getCombinedModifierFlags(m)) {
            members.add(`constructor(${m.parameters.length})`);
          }
        }
      }
    }
  }
  return out;
}

before(() => {
  // Inside the project, so the declarations resolve the optional peers' types
  // (@opentelemetry/api) from node_modules as a user's project would.
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  outDir = mkdtempSync(join(root, 'node_modules', '.cache', 'weft-dts-'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--declarationMap', 'false', '--outDir', outDir],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(build.status, 0, `declaration build failed:\n${build.stdout}${build.stderr}`);
  const entries = Object.values(pkg.exports)
    .map((e) => (typeof e === 'object' && e !== null ? e.types : undefined))
    .filter((t): t is string => t !== undefined)
    .map((t) => join(outDir, t.replace(/^\.\/dist\//, '')));
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
  });
  diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  surface = collectSurface(program, entries);
});

after(() => {
  rmSync(outDir, { recursive: true, force: true });
});

void test('the published declarations type-check on their own (nothing they name was stripped)', () => {
  assert.deepEqual(diagnostics, []);
});

void test('no internal member shows in the published declarations', () => {
  const leaks: string[] = [];
  for (const [type, members] of surface) {
    for (const m of members) {
      const name = m.replace(/^static /, '');
      if (INTERNAL_MEMBERS.includes(name) || INTERNAL_MEMBERS.includes(`${type}.${name}`)) leaks.push(`${type}.${m}`);
    }
  }
  assert.deepEqual(leaks, []);
});

void test('handles made by a factory show no public constructor', () => {
  const leaks = NO_PUBLIC_CONSTRUCTOR.filter((name) => {
    const members = surface.get(name);
    assert.ok(members, `${name} is not in the published types`);
    return [...members].some((m) => m.startsWith('constructor('));
  });
  assert.deepEqual(leaks, []);
});

void test('runtime machinery (Task, Clock, Parked, ...) is not reachable from any entry point', () => {
  assert.deepEqual(
    INTERNAL_TYPES.filter((name) => surface.has(name)),
    [],
  );
});
