import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeftError } from 'weft';
import * as actor from 'weft/actor';
import * as testing from 'weft/testing';
import { weftErrorClass } from '../../src/core/errors.js';

void test('actor errors are WeftErrors with their class name and a stable code, registered by name', () => {
  const samples: Array<[Error & { code: string }, string]> = [
    [new actor.MailboxFullError('0.1', 'm'), 'ERR_MAILBOX_FULL'],
    [new actor.ActorStoppedError('0.1'), 'ERR_ACTOR_STOPPED'],
    [new actor.AskTimeoutError('0.1', 5), 'ERR_ASK_TIMEOUT'],
    [new actor.SupervisorGaveUpError('s', 'c', 3, 5_000, new Error('x')), 'ERR_SUPERVISOR_GAVE_UP'],
    [new testing.ExpectMessageError('m', []), 'ERR_EXPECT_MESSAGE'],
  ];
  for (const [err, code] of samples) {
    assert.ok(err instanceof WeftError, err.name);
    assert.equal(err.code, code);
    assert.equal(err.name, err.constructor.name);
    assert.equal(weftErrorClass(err.name), err.constructor);
  }
  const gaveUp = samples[3]![0] as actor.SupervisorGaveUpError;
  assert.equal((gaveUp.cause as Error).message, 'x');
  assert.equal((samples[0]![0] as actor.MailboxFullError).value, 'm');
});
