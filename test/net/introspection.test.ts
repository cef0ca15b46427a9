import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, spawn, yieldNow } from 'weft';
import { TcpListener, TcpStream } from 'weft/net';

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition reached');
}

void test('a task parked in accept() and one parked in a TCP read show the listener and the stream they wait on', async () => {
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    await using listener = await TcpListener.bind('127.0.0.1:0', { name: 'front' });
    const acceptor = spawn(() => listener.accept(), { name: 'acceptor' });
    await yieldNow();
    const front = rt.resources().find((r) => r.name === 'front')!;
    assert.equal(front.kind, 'listener');
    assert.match(String(front.attributes['local']), /^127\.0\.0\.1:\d+$/);
    const waiting = rt.tasks().find((t) => t.name === 'acceptor')!;
    assert.deepEqual(
      waiting.waitsOn.map((w) => [w.op, w.resourceId]),
      [['accept', front.id]],
    );
    assert.deepEqual(front.waiters, [waiting.id]);

    await using client = await TcpStream.connect(listener.localAddr(), { name: 'client' });
    await using server = await acceptor;
    const reader = spawn(() => client.read(new Uint8Array(4)), { name: 'reader' });
    await until(() => rt.tasks().find((t) => t.name === 'reader')?.waitsOn.length === 1);
    const stream = rt.resources().find((r) => r.name === 'client')!;
    assert.equal(stream.kind, 'tcp');
    assert.equal(stream.attributes['closed'], false);
    const r = rt.tasks().find((t) => t.name === 'reader')!;
    assert.deepEqual(
      r.waitsOn.map((w) => [w.op, w.resourceId]),
      [['tcp.read', stream.id]],
    );
    await server.writeAll(new Uint8Array([1, 2]));
    assert.equal(await reader, 2);
    client.close();
    assert.equal(
      rt.resources().some((x) => x.id === stream.id),
      false,
      'a closed stream leaves the resource list',
    );
  });
  await rt.shutdown();
});

void test('a task parked in UdpSocket.recv() waits on the socket resource', async () => {
  const { UdpSocket } = await import('weft/net');
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    await using sock = await UdpSocket.bind('127.0.0.1:0', { name: 'dns' });
    const r = spawn(() => sock.recv(new Uint8Array(16)), { name: 'udp-reader' });
    await yieldNow();
    const res = rt.resources().find((x) => x.name === 'dns')!;
    assert.equal(res.kind, 'udp');
    const t = rt.tasks().find((x) => x.name === 'udp-reader')!;
    assert.deepEqual(
      t.waitsOn.map((w) => [w.op, w.resourceId]),
      [['udp.recv', res.id]],
    );
    r.abort();
    await r.catch(() => {});
  });
  await rt.shutdown();
});
