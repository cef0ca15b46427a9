/**
 * weft/cluster over one loopback nats-server (started here, JetStream on),
 * each weft figure beside the same NATS client (@nats-io/transport-node)
 * doing the raw equivalent in the same run, rounds alternated:
 *
 * - remote `ask` round trip p50/p99 vs a raw NATS request/reply between two
 *   connections (target ≤ 1.5x raw);
 * - remote `tell` throughput with backpressure (`await ref.send()`: credits
 *   from the remote mailbox) vs raw `publish` of the same payload to a
 *   counting subscriber (target ≥ 50% of raw);
 * - virtual actor first activation (first ask to a new id: lookup, lease
 *   create in KV, spawn, publish, ask) and steady-state ask latency;
 * - down detection after SIGKILL of a node process with the default timing
 *   (1,000 ms heartbeats, down after 5,000 ms), median of 10 kills staggered
 *   by 337 ms (each at another phase of the periods).
 *
 *   node --conditions=weft-source --import tsx bench/cluster.ts [--quick]
 *
 * Needs nats-server on PATH or in /usr/sbin (apt-get install -y nats-server).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { Cluster } from '../src/cluster/index.js';
import { spawnActor, type Reply } from '../src/actor/index.js';
import { NatsServer, ChildNode, stopAllNodes } from '../test/cluster/harness.js';
import { header, pick, printTable, quantile, ratioRow, textRow, fmt, type Row } from './lib.js';

const ROUNDS = pick(3, 2);
const ASKS = pick(3000, 500);
const TELLS = pick(50_000, 10_000);
const PAYLOAD = 'x'.repeat(100);
const KILLS = pick(10, 3);

function pct(samples: number[], q: number): number {
  const s = Float64Array.from(samples).sort();
  return quantile(s, q);
}

async function rawAsk(req: NatsConnection, n: number): Promise<number[]> {
  const out: number[] = [];
  const data = new TextEncoder().encode(JSON.stringify({ n: 1 }));
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await req.request('bench.raw.ask', data, { timeout: 5000 });
    out.push(performance.now() - t);
  }
  return out;
}

type AskMsg = { n: number; reply: Reply<number> };

async function weftAsk(ref: ReturnType<Cluster['ref']>, n: number): Promise<number[]> {
  const out: number[] = [];
  const r = ref as unknown as { ask<R>(make: (reply: Reply<R>) => AskMsg): Promise<R> };
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await r.ask<number>((reply) => ({ n: 1, reply }));
    out.push(performance.now() - t);
  }
  return out;
}

async function rawPublish(
  pub: NatsConnection,
  counter: { n: number; wait: (k: number) => Promise<void> },
  n: number,
): Promise<number> {
  const data = new TextEncoder().encode(JSON.stringify({ p: PAYLOAD }));
  const start = counter.n;
  const t = performance.now();
  for (let i = 0; i < n; i++) pub.publish('bench.raw.tell', data);
  await pub.flush();
  await counter.wait(start + n);
  return (n / (performance.now() - t)) * 1000;
}

async function main(): Promise<void> {
  header(
    'weft/cluster over NATS (loopback, one nats-server)',
    'machine shared with other engineers: figures are noisy; rounds alternate weft and raw',
  );
  const nats = await NatsServer.start();
  const rows: Row[] = [];
  try {
    // Raw baseline connections: a responder and a requester, like the two cluster handles.
    const rawRes = await connect({ servers: nats.url });
    const rawReq = await connect({ servers: nats.url });
    rawRes.subscribe('bench.raw.ask', {
      callback: (_e, m) => {
        m.respond(m.data);
      },
    });
    let rawCount = 0;
    const rawWaiters: Array<[number, () => void]> = [];
    rawRes.subscribe('bench.raw.tell', {
      callback: () => {
        rawCount++;
        for (let i = rawWaiters.length - 1; i >= 0; i--) {
          if (rawCount >= rawWaiters[i]![0]) rawWaiters.splice(i, 1)[0]![1]();
        }
      },
    });
    const rawCounter = {
      get n() {
        return rawCount;
      },
      wait: (k: number) => (rawCount >= k ? Promise.resolve() : new Promise<void>((r) => rawWaiters.push([k, r]))),
    };
    await rawRes.flush();

    const host = await Cluster.join({ servers: nats.url, node: 'bench-host' });
    const client = await Cluster.join({ servers: nats.url, node: 'bench-client' });
    const echo = spawnActor<AskMsg, number, []>({
      init: () => 0,
      receive: (s, m) => {
        m.reply.send(m.n);
        return s;
      },
    });
    host.publish('bench-echo', echo);
    let told = 0;
    const tellWaiters: Array<[number, () => void]> = [];
    const sink = spawnActor<{ p: string }, number, []>({
      init: () => 0,
      receive: (s) => {
        told++;
        for (let i = tellWaiters.length - 1; i >= 0; i--) {
          if (told >= tellWaiters[i]![0]) tellWaiters.splice(i, 1)[0]![1]();
        }
        return s;
      },
    });
    host.publish('bench-sink', sink);
    const echoRef = client.ref<AskMsg>('bench-echo');
    const sinkRef = client.ref<{ p: string }>('bench-sink');
    // Warm-up: lookups, JIT.
    await weftAsk(echoRef, 200);
    await rawAsk(rawReq, 200);

    const rawLat: number[] = [];
    const weftLat: number[] = [];
    const rawTp: number[] = [];
    const weftTp: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rawLat.push(...(await rawAsk(rawReq, ASKS)));
      weftLat.push(...(await weftAsk(echoRef, ASKS)));
      rawTp.push(await rawPublish(rawReq, rawCounter, TELLS));
      const start = told;
      const t = performance.now();
      for (let i = 0; i < TELLS; i++) await sinkRef.send({ p: PAYLOAD });
      if (told < start + TELLS) await new Promise<void>((r) => tellWaiters.push([start + TELLS, r]));
      weftTp.push((TELLS / (performance.now() - t)) * 1000);
    }
    const p50w = pct(weftLat, 0.5);
    const p50r = pct(rawLat, 0.5);
    const p99w = pct(weftLat, 0.99);
    const p99r = pct(rawLat, 0.99);
    rows.push(ratioRow('remote ask p50 (vs raw request/reply)', p50w, p50r, { max: 1.5 }, { unit: 'ms' }));
    rows.push(ratioRow('remote ask p99 (vs raw request/reply)', p99w, p99r, { max: 1.5 }, { unit: 'ms' }));
    const tpW = pct(weftTp, 0.5);
    const tpR = pct(rawTp, 0.5);
    rows.push(
      ratioRow(
        `remote tell throughput, send() with credits, ${PAYLOAD.length} B (vs raw publish)`,
        tpW,
        tpR,
        { min: 0.5 },
        { unit: 'msg/s' },
      ),
    );
    rows.push(
      textRow(
        '  tell throughput per round (weft, raw)',
        weftTp.map((x) => fmt(x)).join(' / '),
        rawTp.map((x) => fmt(x)).join(' / '),
      ),
    );

    // Virtual actors: first activation and steady state.
    const cart = client.entity<{ reply: Reply<number> }, number>('bench-cart', {
      init: () => 0,
      receive: (s, m) => {
        m.reply.send(s);
        return s + 1;
      },
    });
    const first: number[] = [];
    for (let i = 0; i < pick(30, 10); i++) {
      const t = performance.now();
      await cart(`first-${i}`).ask<number>((reply) => ({ reply }));
      first.push(performance.now() - t);
    }
    const steadyRef = cart('steady');
    await steadyRef.ask<number>((reply) => ({ reply }));
    const steady: number[] = [];
    for (let i = 0; i < ASKS; i++) {
      const t = performance.now();
      await steadyRef.ask<number>((reply) => ({ reply }));
      steady.push(performance.now() - t);
    }
    rows.push(
      textRow('virtual actor first activation (p50 / p99)', `${fmt(pct(first, 0.5))} / ${fmt(pct(first, 0.99))} ms`),
    );
    rows.push(
      ratioRow('virtual actor steady-state ask p50 (vs raw request/reply)', pct(steady, 0.5), p50r, undefined, {
        unit: 'ms',
      }),
    );
    rows.push(ratioRow('virtual actor steady-state ask p99', pct(steady, 0.99), p99r, undefined, { unit: 'ms' }));

    // Down detection with the default timing, KILLS node processes killed at once.
    using events = client.memberEvents();
    const victims = await Promise.all(
      Array.from({ length: KILLS }, (_, i) => ChildNode.start(nats.url, `bench-victim-${i}`)),
    );
    const upSeen = new Set<string>();
    while (upSeen.size < KILLS) {
      const e = await events.recv();
      if (e?.type === 'up') upSeen.add(e.node);
    }
    await new Promise((r) => setTimeout(r, 1500)); // each victim has sent a periodic beat
    // Kills staggered by 337 ms, so each falls at a different phase of the heartbeat and check periods.
    const killedAt = new Map<string, number>();
    const killing = victims.map(async (v, i) => {
      await new Promise((r) => setTimeout(r, i * 337));
      killedAt.set(v.node, performance.now());
      await v.kill();
    });
    const downs: number[] = [];
    while (downs.length < KILLS) {
      const e = await events.recv();
      if (e?.type === 'down' && killedAt.has(e.node)) downs.push(performance.now() - killedAt.get(e.node)!);
    }
    await Promise.all(killing);
    rows.push(
      ratioRow(
        `down detection after SIGKILL, defaults (median of ${KILLS})`,
        pct(downs, 0.5),
        undefined,
        { max: 10_000, on: 'value', label: '≤10,000 ms' },
        { unit: 'ms' },
      ),
    );
    rows.push(textRow('  down detection min / max', `${fmt(Math.min(...downs))} / ${fmt(Math.max(...downs))} ms`));

    await echo.stop();
    await sink.stop();
    await client.leave();
    await host.leave();
    await rawReq.close();
    await rawRes.close();
  } finally {
    await stopAllNodes();
    await nats.dispose();
  }
  printTable(rows);
}

await main();
