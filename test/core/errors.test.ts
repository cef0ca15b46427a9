import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as root from 'weft';
import * as sync from 'weft/sync';
import * as net from 'weft/net';
import * as codec from 'weft/codec';
import * as http from 'weft/http';
import * as worker from 'weft/worker';
import * as observe from 'weft/observe';
import { WeftError, weftErrorClass, weftErrorClasses } from '../../src/core/errors.js';

type AnyClass = new (...args: any[]) => Error & { code: string };

/** One instance of every weft error, with the code it has always had (codes are API: they must not change). */
const samples: Array<[Error, string]> = [
  [new root.CancelledError(), 'ERR_CANCELLED'],
  [new root.JoinError('ERR_TASK_FAILED', 1, undefined, new Error('x')), 'ERR_TASK_FAILED'],
  [new root.JoinError('ERR_TASK_CANCELLED', 1, 'n', undefined), 'ERR_TASK_CANCELLED'],
  [new root.TaskLocalError('not set'), 'ERR_TASK_LOCAL_NOT_SET'],
  [new root.RuntimeShutdownError('shut down'), 'ERR_RUNTIME_SHUTDOWN'],
  [new root.TimeoutError(5), 'ERR_TIMEOUT'],
  [new sync.SendError(1), 'ERR_CHANNEL_CLOSED'],
  [new sync.RecvError(), 'ERR_CHANNEL_CLOSED'],
  [new sync.LaggedError(3), 'ERR_LAGGED'],
  [new sync.ClosedError(), 'ERR_CLOSED'],
  [new net.IoError('m', 'ECONNRESET', 'read'), 'ERR_IO'],
  [new net.UnexpectedEofError(4, 1), 'ERR_UNEXPECTED_EOF'],
  [new net.WriteAfterShutdownError(), 'ERR_WRITE_AFTER_SHUTDOWN'],
  [new net.SocketClosedError(), 'ERR_SOCKET_CLOSED'],
  [new net.ReadTimeoutError(10), 'ERR_READ_TIMEOUT'],
  [new net.AddrParseError('x', 'bad'), 'ERR_INVALID_ADDRESS'],
  [new codec.FrameTooLargeError(10, 5), 'ERR_FRAME_TOO_LARGE'],
  [new http.RequestTimeoutError(10), 'ERR_REQUEST_TIMEOUT'],
  [new http.ClientDisconnectedError(), 'ERR_CLIENT_DISCONNECTED'],
  [new http.ServerClosedError(), 'ERR_SERVER_CLOSED'],
  [new worker.WorkerCrashedError({ taskName: 't', taskId: 1, threadName: 'w', exitCode: 1 }), 'ERR_WORKER_CRASHED'],
  [new worker.BlockingQueueFullError(4), 'ERR_BLOCKING_QUEUE_FULL'],
  [new worker.RuntimeFlavorError('spawnBlocking'), 'ERR_NOT_MULTI_THREAD'],
  [new worker.TaskNotFoundError('file:///x.js', 't'), 'ERR_TASK_NOT_FOUND'],
  [new root.ObserveOptionError('retain', 'bad'), 'ERR_OBSERVE_OPTION'],
  [new observe.MissingPeerError('prom-client', 'prometheus()', undefined), 'ERR_MISSING_PEER'],
];

/** Every class named `*Error` that a public entry point exports. */
function exportedErrorClasses(): Map<string, AnyClass> {
  const out = new Map<string, AnyClass>();
  for (const area of [root, sync, net, codec, http, worker, observe] as Record<string, unknown>[]) {
    for (const [name, value] of Object.entries(area)) {
      if (name.endsWith('Error') && name !== 'WeftError' && typeof value === 'function')
        out.set(name, value as AnyClass);
    }
  }
  return out;
}

void test('every exported weft error is a WeftError with its class name as name and its stable code', () => {
  for (const [err, code] of samples) {
    assert.ok(err instanceof WeftError, `${err.name} is not a WeftError`);
    assert.equal(err.name, err.constructor.name);
    assert.equal((err as WeftError).code, code, err.name);
  }
  const sampled = new Set(samples.map(([err]) => err.constructor));
  const missing = [...exportedErrorClasses()].filter(([, cls]) => !sampled.has(cls)).map(([name]) => name);
  assert.deepEqual(missing, [], 'an exported error class has no sample here (add it, with its code)');
});

void test('AddrParseError stays a TypeError and still counts as a WeftError', () => {
  const err = new net.AddrParseError('::nope', 'bad port');
  assert.ok(err instanceof TypeError);
  assert.ok(err instanceof WeftError);
  assert.ok(!(new TypeError('plain') instanceof WeftError));
  assert.ok(!(new Error('plain') instanceof WeftError));
  assert.ok(![null, 'ERR_X', 42].some((v: unknown) => (v as object) instanceof WeftError));
});

void test('instanceof a weft error subclass keeps its prototype-chain meaning', () => {
  assert.ok(new root.CancelledError() instanceof root.CancelledError);
  assert.ok(!(new root.TimeoutError(1) instanceof root.CancelledError));
  assert.ok(!(new net.AddrParseError('x', 'y') instanceof net.IoError));
});

void test('the registry finds every exported weft error class by its name, for the worker error codec', () => {
  for (const [name, cls] of exportedErrorClasses()) assert.equal(weftErrorClass(name), cls, name);
  assert.equal(weftErrorClasses().size >= exportedErrorClasses().size, true);
  assert.equal(weftErrorClass('Error'), undefined);
});
