import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as testing from 'weft/testing';
import * as root from 'weft';

void test('weft/testing exports pause, resume, advance and isPaused', () => {
  for (const name of ['pause', 'resume', 'advance', 'isPaused'] as const)
    assert.equal(typeof testing[name], 'function');
});

void test('the root module exports the tasks, cancellation, time, select and runtime API of the contract', () => {
  const expected = [
    'spawn',
    'currentTask',
    'yieldNow',
    'JoinHandle',
    'JoinError',
    'CancelledError',
    'JoinSet',
    'scope',
    'TaskLocal',
    'TaskLocalError',
    'CancellationToken',
    'now',
    'sleep',
    'sleepUntil',
    'interval',
    'timeout',
    'TimeoutError',
    'select',
    'join',
    'tryJoin',
    'Runtime',
    'main',
  ];
  for (const name of expected) assert.ok(name in root, `missing export ${name}`);
});

void test('error classes extend Error and carry a stable code', () => {
  const cases: Array<[Error & { code: string }, string, string]> = [
    [new root.CancelledError(), 'CancelledError', 'ERR_CANCELLED'],
    [new root.TimeoutError(5), 'TimeoutError', 'ERR_TIMEOUT'],
    [new root.TaskLocalError('x'), 'TaskLocalError', 'ERR_TASK_LOCAL_NOT_SET'],
    [new root.RuntimeShutdownError('x'), 'RuntimeShutdownError', 'ERR_RUNTIME_SHUTDOWN'],
    [new root.JoinError('ERR_TASK_FAILED', 1, undefined, new Error('c')), 'JoinError', 'ERR_TASK_FAILED'],
  ];
  for (const [error, name, code] of cases) {
    assert.ok(error instanceof Error);
    assert.equal(error.name, name);
    assert.equal(error.code, code);
  }
});
