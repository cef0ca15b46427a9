import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The child makes the peer genuinely unresolvable: Node's own resolver is asked
// to look for it only in an empty directory, so it throws the MODULE_NOT_FOUND
// an application without the package installed would get.
const child = (pkg: string, call: string) => `
  import Module from 'node:module';
  import { tmpdir } from 'node:os';
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    if (request === ${JSON.stringify(pkg)}) return resolve.call(this, request, parent, isMain, { paths: [tmpdir()] });
    return resolve.call(this, request, parent, isMain, options);
  };
  const { Runtime, WeftError } = await import('weft');
  const observe = await import('weft/observe');
  const rt = Runtime.builder().build();
  try {
    observe.${call}(rt);
    console.log('no error');
  } catch (err) {
    console.log(JSON.stringify({ name: err.name, code: err.code, pkg: err.packageName, weft: err instanceof WeftError, cls: err instanceof observe.MissingPeerError, message: err.message }));
  }
  await rt.shutdown();
`;

for (const [pkg, call] of [
  ['prom-client', 'prometheus'],
  ['@opentelemetry/api', 'openTelemetry'],
] as const) {
  test(`${call}() without ${pkg} installed throws MissingPeerError naming the package; importing weft/observe does not`, async () => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=weft-source', '--import', 'tsx', '--input-type=module', '-e', child(pkg, call)],
      { cwd: process.cwd() },
    );
    const got = JSON.parse(stdout.trim()) as Record<string, unknown>;
    assert.deepEqual(
      { name: got['name'], code: got['code'], pkg: got['pkg'], weft: got['weft'], cls: got['cls'] },
      { name: 'MissingPeerError', code: 'ERR_MISSING_PEER', pkg, weft: true, cls: true },
    );
    assert.match(String(got['message']), new RegExp(`npm install ${pkg.replace('/', '\\/')}`));
  });
}
