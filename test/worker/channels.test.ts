import '../helpers/guard.js';
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, sleep, spawn } from 'weft';
import { mpsc, oneshot, RecvError, SendError } from 'weft/sync';
import { spawnBlocking, spawnWorker, WorkerCrashedError } from 'weft/worker';
import * as ch from '../fixtures/worker-channels.js';
import { cancelled, eventually, failure, noThreadsLeft } from './helpers.js';
import { linkStats } from '../../src/worker/channels/remote-link.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('mpsc and oneshot ends passed to worker threads', () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).maxBlockingThreads(1).threadName('ch').build();
  after(async () => {
    await rt.shutdown();
    await noThreadsLeft();
  });
  // Every channel link opened by a test is closed by its end: none outlives the test.
  afterEach(async () => {
    await eventually(() => linkStats.open === 0, 5000, 'every channel link on the main thread to close');
  });

  test('a sender moved to a worker: values arrive in order, and the channel closes when the call ends', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(4);
      const h = spawnWorker(ch.produce, tx, 100);
      assert.equal(tx.isClosed, true, 'the handle passed is moved: closed on this thread');
      assert.throws(() => tx.trySend(1), SendError);
      const got: number[] = [];
      for await (const v of rx) got.push(v);
      assert.deepEqual(got, range(100));
      assert.equal(await h, 100);
    });
  });

  test('backpressure holds across threads: a remote producer never has more than capacity in the channel', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(3);
      const h = spawnWorker(ch.produce, tx, 50);
      await eventually(() => rx.length === 3, 5000, 'the channel to fill');
      await sleep(50); // the producer waits: nothing more comes in
      assert.equal(rx.length, 3);
      const got: number[] = [];
      for await (const v of rx) {
        assert.ok(rx.length <= 3);
        got.push(v);
      }
      assert.deepEqual(got, range(50));
      await h;
    });
  });

  test('trySend on a worker fills exactly the free capacity, and the remote sender is a Sender', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(5);
      const keep = tx.clone();
      keep.trySend(-1);
      const report = await spawnWorker(ch.fill, tx);
      assert.deepEqual(report, { sent: 4, capacity: 0, maxCapacity: 5, isSender: true });
      assert.equal(keep.capacity, 0);
      assert.equal(keep.trySend(99), false);
      const got: number[] = [];
      keep.close();
      for await (const v of rx) got.push(v);
      assert.deepEqual(got, [-1, 0, 1, 2, 3]);
    });
  });

  test('reserve and tryReserve work through a remote sender', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(2);
      const h = spawnWorker(ch.reserveSend, tx, 7);
      assert.equal(await rx.recv(), 7);
      assert.equal(await h, true);
      assert.equal(await rx.recv(), undefined);
    });
  });

  test('remote senders queue behind local ones in FIFO order when the channel is full', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      tx.trySend(0);
      const local = tx.send(1); // waits first
      const h = spawnWorker(ch.produce, tx.clone(), 3); // sends 0,1,2 after it
      await sleep(30);
      const got: number[] = [];
      for (let i = 0; i < 5; i++) got.push((await rx.recv())!);
      await local;
      tx.close();
      await h;
      assert.equal(await rx.recv(), undefined);
      assert.deepEqual(got, [0, 1, 0, 1, 2]);
    });
  });

  test('an unbounded sender on a worker', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.unboundedChannel<number>();
      const h = spawnWorker(ch.produceUnbounded, tx, 1000);
      const got: number[] = [];
      while ((await rx.recvMany(got, 128)) > 0);
      assert.deepEqual(got, range(1000));
      await h;
    });
  });

  test('a receiver moved to a worker: buffered values go first, senders here wait for the worker to take values', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(2);
      await tx.send(0);
      const h = spawnWorker(ch.consume, rx, 100); // sleeps 100 ms before reading
      assert.equal(rx.isClosed, true, 'the receiver passed is moved: closed and drained here');
      assert.equal(await rx.recv(), undefined);
      await tx.send(1);
      assert.equal(tx.trySend(2), false, 'two values sent and not yet received fill the channel');
      for (let i = 2; i < 20; i++) await tx.send(i);
      tx.close();
      assert.deepEqual(await h, range(20));
    });
  });

  test('recvMany and select on a remote receiver', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(8);
      const h = spawnWorker(ch.consumeMany, rx, 16);
      for (let i = 0; i < 200; i++) await tx.send(i);
      tx.close();
      assert.deepEqual(await h, range(200));

      const [ta, ra] = mpsc.channel<string>(4);
      const [tb, rb] = mpsc.channel<string>(4);
      const s = spawnWorker(ch.selectN, ra, rb, 4);
      await ta.send('a1');
      await tb.send('b1');
      await ta.send('a2');
      await tb.send('b2');
      const got = await s;
      assert.deepEqual([...got].sort(), ['a1', 'a2', 'b1', 'b2']);
      assert.deepEqual(
        got.filter((v) => v.startsWith('a')),
        ['a1', 'a2'],
      );
      ta.close();
      tb.close();
    });
  });

  test('a pipeline across two workers, ends passed inside an object', async () => {
    await rt.run(async () => {
      const [t1, r1] = mpsc.channel<number>(4);
      const [t2, r2] = mpsc.channel<number>(4);
      const [t3, r3] = mpsc.channel<number>(4);
      const a = spawnWorker(ch.stage, { input: r1, output: t2 }, 2);
      const b = spawnWorker(ch.stage, { input: r2, output: t3 }, 10);
      const feed = spawn(async () => {
        for (let i = 0; i < 300; i++) await t1.send(i);
        t1.close();
      });
      const got: number[] = [];
      for await (const v of r3) got.push(v);
      await feed;
      assert.deepEqual(await a, 'stage done');
      assert.deepEqual(await b, 'stage done');
      assert.deepEqual(
        got,
        range(300).map((i) => i * 20),
      );
    });
  });

  test('aborting a remote send that waits for capacity: the value is not delivered, the next waiter is served', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      tx.trySend(0);
      const h = spawnWorker(ch.sendBlocked, tx.clone(), 1);
      await sleep(50); // its send waits at home
      h.abort();
      await cancelled(h);
      const next = tx.send(2);
      assert.equal(await rx.recv(), 0);
      await next;
      assert.equal(await rx.recv(), 2);
      tx.close();
      assert.equal(await rx.recv(), undefined);
    });
  });

  test('closed() on a remote sender resolves when the receiver closes', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const h = spawnWorker(ch.untilClosed, tx);
      await sleep(20);
      rx.close();
      assert.equal(await h, true);
    });
  });

  test('closed() on a remote handle resolves when that handle closes', async () => {
    await rt.run(async () => {
      const [utx, urx] = mpsc.unboundedChannel<number>();
      const [tx, rx] = mpsc.channel<number>(1);
      assert.deepEqual(await spawnWorker(ch.closeOwn, utx, tx), [true, true]);
      assert.equal(await urx.recv(), undefined);
      assert.equal(await rx.recv(), undefined);
    });
  });

  test('a worker that dies holding a sender: the receiver still gets what was sent, then the end', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(4);
      const crashed = failure(spawnWorker(ch.sendThenExit, tx));
      assert.equal(await rx.recv(), 1);
      assert.equal(await rx.recv(), undefined);
      assert.ok((await crashed) instanceof WorkerCrashedError);
    });
  });

  test('a worker that dies holding a receiver: senders here see a closed channel', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const crashed = failure(spawnWorker(ch.holdThenExit, rx));
      await tx.send(1);
      const err = await tx.send(2).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof SendError && err.value === 2);
      assert.ok((await crashed) instanceof WorkerCrashedError);
    });
  });

  test('oneshot ends cross both ways', async () => {
    await rt.run(async () => {
      const [tx, rx] = oneshot<number>();
      assert.equal(await spawnWorker(ch.reply, tx, 42), true);
      assert.equal(await rx, 42);

      const [tx2, rx2] = oneshot<string>();
      const h = spawnWorker(ch.awaitOne, rx2);
      await assert.rejects(rx2.recv(), RecvError, 'the receiver passed is moved');
      await sleep(20);
      assert.equal(tx2.send('hi'), true);
      assert.equal(await h, 'got hi');

      const [tx3, rx3] = oneshot<number>();
      assert.equal(await spawnWorker(ch.dropOne, tx3), 'dropped');
      await assert.rejects(rx3.recv(), RecvError, 'a sender the call never used closes with it');
    });
  });

  test('a oneshot receiver closed here before the worker sends: send returns false there', async () => {
    await rt.run(async () => {
      const [tx, rx] = oneshot<number>();
      rx.close();
      assert.equal(await spawnWorker(ch.reply, tx, 1), false);
    });
  });

  test('spawnBlocking takes channel ends too', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(2);
      const h = spawnBlocking(ch.produce, tx, 10);
      const got: number[] = [];
      for await (const v of rx) got.push(v);
      assert.deepEqual(got, range(10));
      assert.equal(await h, 10);
    });
  });

  test('bad input: closed, moved or remote ends are refused with TypeError and nothing is moved', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const [dead] = mpsc.channel<number>(1);
      dead.close();
      assert.throws(() => spawnWorker(ch.stage, { input: rx, output: dead }, 1), TypeError);
      assert.equal(rx.isClosed, false, 'the receiver was not moved');
      assert.equal(tx.trySend(5), true);
      assert.equal(await rx.recv(), 5);
    });
  });

  test('a receiver holding a value that cannot be cloned is refused, and keeps its values', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<unknown>(2);
      tx.trySend(1);
      tx.trySend(() => 2);
      assert.throws(() => spawnWorker(ch.consume, rx as mpsc.Receiver<number>, 0), TypeError);
      assert.equal(rx.isClosed, false);
      assert.equal(await rx.recv(), 1);
      assert.equal(typeof (await rx.recv()), 'function');
    });
  });

  test('a value that cannot be cloned is refused by the send that tried it, and takes no capacity', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<unknown>(2);
      const h = spawnWorker(ch.consume, rx as mpsc.Receiver<number>, 0);
      assert.throws(() => tx.trySend({ f: () => 1 }), TypeError);
      await assert.rejects(async () => tx.send(Symbol('x')), TypeError);
      assert.equal(tx.capacity, 2);
      await tx.send(1);
      tx.close();
      assert.deepEqual(await h, [1]);
    });
  });

  test('a queued blocking call that is aborted drops the ends it held', async () => {
    await rt.run(async () => {
      const [tx, rx] = mpsc.channel<number>(1);
      const busy = spawnBlocking(ch.produce, mpsc.channel<number>(1)[0], 0); // occupies the one thread briefly
      const queued = spawnBlocking(ch.produce, tx, 5);
      queued.abort();
      await cancelled(queued);
      await busy;
      assert.equal(await rx.recv(), undefined, 'the sender moved into the cancelled call is dropped');
    });
  });

  test('no channel link stays open on the workers', async () => {
    await rt.run(async () => {
      const results = await Promise.all([spawnWorker(ch.openLinks), spawnWorker(ch.openLinks)]);
      for (const n of results) assert.equal(n, 0);
    });
  });
});
