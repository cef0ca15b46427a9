import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, sleep } from 'weft';
import { spawnActor, supervisor } from 'weft/actor';

void test('an observed runtime lists each actor as a resource (mailbox length and capacity, restarts, supervisor) and its task with kind "actor"', async () => {
  const rt = Runtime.builder().observe().onTaskError('ignore').build();
  await rt.run(async () => {
    const sup = supervisor({
      name: 'top',
      strategy: 'one-for-one',
      children: [
        {
          id: 'a',
          start: () =>
            spawnActor(
              { name: 'worker-a', mailbox: 8 },
              {
                init: () => 0,
                receive: async (s: number, m: string) => {
                  if (m === 'crash') throw new Error('crash');
                  await sleep(50);
                  return s;
                },
              },
            ),
        },
      ],
    });
    const a = sup.ref('a')!;
    a.tell('crash');
    await sleep(1);
    a.tell('slow');
    a.tell('queued');
    await sleep(5);
    const res = rt.resources().find((r) => r.kind === 'actor' && r.name === 'worker-a');
    assert.ok(res, 'the actor is a resource');
    assert.equal(res.attributes['mailboxCapacity'], 8);
    assert.equal(res.attributes['mailboxLength'], 1);
    assert.equal(res.attributes['restarts'], 1);
    assert.equal(res.attributes['supervisor'], 'top');
    const task = rt.tasks().find((t) => t.name === 'actor worker-a' && t.state !== 'done');
    assert.ok(task, 'its task is listed');
    assert.equal(task.kind, 'actor');
    await sup.stop();
    assert.equal(
      rt.resources().find((r) => r.kind === 'actor' && r.name === 'worker-a'),
      undefined,
      'a stopped actor leaves the resources',
    );
  });
  await rt.shutdown();
});
