import '../helpers/guard.js';
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, type SpanContext, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Runtime, sleep } from 'weft';
import { deadLetters, spawnActor, type Reply } from 'weft/actor';
import { openTelemetry } from 'weft/observe';

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

interface Seen {
  label: string;
  /** The active span when receive began, and after a weft wait inside it. */
  atStart: string | undefined;
  afterWait: string | undefined;
  /** The message object receive got (the very one sent). */
  msg: object;
}
type Msg = { kind: 'note'; label: string } | { kind: 'seen'; reply: Reply<Seen[]> } | { kind: 'block' };

const ids = (s: SpanContext | undefined): string | undefined =>
  s === undefined ? undefined : `${s.traceId}/${s.spanId}`;
const active = (): string | undefined => ids(trace.getActiveSpan()?.spanContext());

/** An actor that records, per message, the span active while it handles it, and opens a span of its own there. */
function recorder(tracer: Tracer) {
  return spawnActor({
    init: (): Seen[] => [],
    async receive(seen: Seen[], msg: Msg): Promise<Seen[]> {
      if (msg.kind === 'seen') {
        // This message came with an ask: it is handled in the asker's context too.
        msg.reply.send([...seen, { label: 'ask', atStart: active(), afterWait: active(), msg }]);
        return seen;
      }
      if (msg.kind === 'block') {
        await sleep(50);
        return seen;
      }
      const atStart = active();
      await sleep(1);
      tracer.startActiveSpan(`handle ${msg.label}`, (span) => span.end());
      return [...seen, { label: msg.label, atStart, afterWait: active(), msg }];
    },
  });
}

void test('an actor message carries the context active at tell/send/ask: receive handles it inside that context', async () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = tracerProvider.getTracer('test');
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider });
  try {
    await rt.run(async () => {
      // Spawned inside a span: the actor's own task runs in that context.
      const { ref, spawner } = tracer.startActiveSpan('spawner', (span) => {
        span.end();
        return { ref: recorder(tracer), spawner: ids(span.spanContext()) };
      });
      const sent: Record<string, object> = {};
      const note = (label: string): Msg => (sent[label] = { kind: 'note', label }) as Msg;
      const spans: Record<string, string | undefined> = {};
      await tracer.startActiveSpan('told', async (span) => {
        spans['told'] = ids(span.spanContext());
        ref.tell(note('told'));
        span.end();
      });
      await tracer.startActiveSpan('sent', async (span) => {
        spans['sent'] = ids(span.spanContext());
        await ref.send(note('sent'));
        span.end();
      });
      ref.tell(note('untraced'));
      const seen = await tracer.startActiveSpan('asked', async (span) => {
        spans['asked'] = ids(span.spanContext());
        try {
          return await ref.ask<Seen[]>((reply) => ({ kind: 'seen', reply }));
        } finally {
          span.end();
        }
      });
      const by = Object.fromEntries(seen.map((s) => [s.label, s]));
      for (const label of ['told', 'sent'] as const) {
        assert.equal(by[label]!.atStart, spans[label], `${label}: the sender's span is current in receive`);
        assert.equal(by[label]!.afterWait, spans[label], `${label}: and stays current across a wait inside it`);
        assert.equal(by[label]!.msg, sent[label], `${label}: receive gets the message object that was sent`);
      }
      assert.equal(by['ask']!.atStart, spans['asked']);
      assert.equal(by['untraced']!.atStart, undefined, "sent outside any span: not the spawner's span either");
      assert.notEqual(spawner, undefined);
      // Spans opened in receive are children of the sender's span, in its trace.
      const finished = exporter.getFinishedSpans();
      for (const label of ['told', 'sent'] as const) {
        const child = finished.find((s) => s.name === `handle ${label}`)!;
        const [traceId, spanId] = spans[label]!.split('/');
        assert.equal(child.spanContext().traceId, traceId);
        assert.equal(child.parentSpanContext?.spanId, spanId);
      }
      const untraced = finished.find((s) => s.name === 'handle untraced')!;
      assert.equal(untraced.parentSpanContext, undefined, 'a root span: the untraced message has no parent');
      await ref.stop();
    });
  } finally {
    otel.close();
    await rt.shutdown();
  }
});

void test('a message still in the mailbox when the actor stops reaches dead letters as it was sent; after close() nothing is carried', async () => {
  const tracerProvider = new BasicTracerProvider();
  const tracer = tracerProvider.getTracer('test');
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider });
  try {
    await rt.run(async () => {
      using letters = deadLetters();
      const ref = recorder(tracer);
      ref.tell({ kind: 'block' });
      await sleep(5); // the actor is handling it
      const left: Msg = { kind: 'note', label: 'left' };
      tracer.startActiveSpan('sender', (span) => {
        ref.tell(left);
        span.end();
      });
      const stopped = ref.stop(); // after the message in hand: what is left goes to dead letters
      for await (const letter of letters) {
        assert.equal(letter.msg, left, 'the dead letter is the message, not its carrier');
        break;
      }
      await stopped;
      otel.close();
      const { after, own } = tracer.startActiveSpan('spawner', (span) => {
        span.end();
        return { after: recorder(tracer), own: ids(span.spanContext()) };
      });
      await tracer.startActiveSpan('closed', async (span) => {
        after.tell({ kind: 'note', label: 'after' });
        span.end();
      });
      const seen = await after.ask<Seen[]>((reply) => ({ kind: 'seen', reply }));
      assert.equal(seen.find((s) => s.label === 'after')!.atStart, own, "the actor's own context, not the sender's");
      await after.stop();
    });
  } finally {
    otel.close();
    await rt.shutdown();
  }
});
