/**
 * Trace context with each actor message. A message is handled by the actor's
 * own task, whose async context is where the actor was spawned, not where the
 * message was sent; so a tracer (weft/observe's `openTelemetry()`) captures
 * the sender's context with each message and makes it current while the
 * actor's `receive` handles it. Installed per runtime (the runtime is the
 * key; this layer sits below it); with none installed, a message pays one
 * `Map.size` check when sent.
 */

/** @internal What carries a tracer's context from a send to the handling of the message. */
export interface MessageTracer {
  /** The context active in the sending code (opaque to weft). */
  capture(): unknown;
  /** Runs `fn` with `context` (from `capture`) current. */
  run<T>(context: unknown, fn: () => T): T;
}

/** @internal A message sent while a tracer was installed: the message and the sender's context. */
export class TracedMessage {
  constructor(
    readonly msg: unknown,
    readonly context: unknown,
    readonly tracer: MessageTracer,
  ) {}
}

const tracers = new Map<object, MessageTracer>();

/** @internal Installs (or, with undefined, removes) the message tracer of `runtime`. */
export function setMessageTracer(runtime: object, tracer: MessageTracer | undefined): void {
  if (tracer === undefined) tracers.delete(runtime);
  else tracers.set(runtime, tracer);
}

/** @internal `msg` as it goes into a mailbox of `runtime`: wrapped with the sender's context when a tracer is installed. */
export function traceMessage<M>(runtime: object, msg: M): M {
  if (tracers.size === 0) return msg;
  const tracer = tracers.get(runtime);
  return tracer === undefined ? msg : (new TracedMessage(msg, tracer.capture(), tracer) as M);
}

/** @internal The message as sent (unwrapped). */
export function untraced<M>(msg: M): M {
  return msg instanceof TracedMessage ? (msg.msg as M) : msg;
}
