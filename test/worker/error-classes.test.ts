import '../helpers/guard.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, WeftError, type JoinHandle } from 'weft';
import { registerError, spawnBlocking, spawnWorker } from 'weft/worker';
import { weftErrorClasses } from '../../src/core/errors.js';
import * as errs from '../fixtures/worker-errors.js';
import { failure, noThreadsLeft } from './helpers.js';

const standard = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError'];

/** Own enumerable data of an error (code, value, limit, ...): what must travel with it (`name` is checked apart). */
function ownData(err: Error): Record<string, unknown> {
  return Object.fromEntries(Object.entries(err).filter(([key]) => key !== 'cause' && key !== 'name'));
}

/** Checks that `got` (thrown on another thread) is `expected` (built here) rebuilt: class, name, message, data, cause, stack. */
function assertSame(got: Error, expected: Error, where: string): void {
  const what = `${expected.name} from ${where}`;
  assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(expected), `${what} keeps its class`);
  assert.ok(got instanceof (expected.constructor as new () => Error), `${what}: instanceof`);
  assert.equal(got.name, expected.name, `${what}: name`);
  assert.equal(got.message, expected.message, `${what}: message`);
  assert.deepEqual(ownData(got), ownData(expected), `${what}: own data (code, value...)`);
  assert.equal((got as { code?: unknown }).code, (expected as { code?: unknown }).code, `${what}: code`);
  assert.match(got.stack ?? '', /worker-errors\.ts/, `${what}: the stack is the thrower's`);
  if (expected.cause !== undefined) assertSame(got.cause as Error, expected.cause as Error, where);
  if (expected instanceof AggregateError) {
    const inner = (got as AggregateError).errors as Error[];
    assert.equal(inner.length, expected.errors.length);
    expected.errors.forEach((e: Error, i) => assertSame(inner[i]!, e, where));
  }
}

describe('errors thrown on other threads keep their class', () => {
  const rt = Runtime.builder().multiThread().workerThreads(1).maxBlockingThreads(1).threadName('errs').build();
  after(async () => {
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('the fixture builds an instance of every weft error class in core registry and of every standard class', () => {
    for (const name of weftErrorClasses().keys()) assert.ok(name in errs.factories, `no test instance of ${name}`);
    for (const name of [...standard, 'AggregateError']) assert.ok(name in errs.factories);
    assert.ok(weftErrorClasses().size >= 23);
  });

  const spawners: [string, (name: string) => JoinHandle<unknown>][] = [
    ['a worker', (name) => spawnWorker(errs.throwNamed, name)],
    ['a blocking thread', (name) => spawnBlocking(errs.throwNamed, name)],
  ];
  for (const [where, spawn] of spawners) {
    test(`every weft error class thrown on ${where} arrives as itself with code, value, cause and stack`, async () => {
      await rt.run(async () => {
        for (const name of weftErrorClasses().keys()) {
          const expected = errs.factories[name]!();
          const got = await failure(spawn(name));
          assertSame(got, expected, where);
          assert.ok(got instanceof WeftError, `${name} from ${where} is a WeftError`);
        }
        const send = (await failure(spawn('SendError'))) as unknown as { value: unknown };
        assert.deepEqual(send.value, { kept: [1, 2, 3] }, 'SendError.value, the recovery data, travels');
      });
    });

    test(`the standard JS error classes thrown on ${where} arrive as themselves, AggregateError with its errors`, async () => {
      await rt.run(async () => {
        for (const name of [...standard, 'AggregateError']) {
          assertSame(await failure(spawn(name)), errs.factories[name]!(), where);
        }
      });
    });

    test(`a registered user class thrown on ${where} arrives as itself; an unregistered one as an Error with its name`, async () => {
      await rt.run(async () => {
        const quota = await failure(spawn('QuotaError'));
        assertSame(quota, errs.factories['QuotaError']!(), where);
        assert.equal((quota as unknown as errs.QuotaError).limit, 3);
        const stray = await failure(spawn('StrayError'));
        assert.equal(Object.getPrototypeOf(stray), Error.prototype);
        assert.equal(stray.name, 'StrayError');
        assert.equal(stray.message, 'stray');
        assert.equal(stray.detail, 'kept');
        assert.match(stray.stack ?? '', /worker-errors\.ts/);
      });
    });
  }

  test('registerError refuses what is not an Error class and a second class under a taken name', () => {
    assert.throws(() => registerError((() => 0) as never), TypeError);
    assert.throws(() => registerError(class NotAnError {} as never), TypeError);
    assert.throws(() => registerError(class extends Error {}, ''), TypeError);
    assert.throws(() => registerError(class TypeError extends Error {}), /already registered as 'TypeError'/);
    assert.throws(() => registerError(class extends Error {}, 'SendError'), /already registered/);
    assert.throws(() => registerError(class extends Error {}, 'QuotaError'), /already registered/);
    assert.equal(registerError(errs.QuotaError), errs.QuotaError, 'the same class again is fine');
  });
});
