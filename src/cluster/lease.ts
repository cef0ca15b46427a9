/**
 * Leases in JetStream KV: how a virtual actor gets at most one activation
 * cluster-wide.
 *
 * One bucket per cluster (`<prefix>-leases`, `history: 1`, `max_age` =
 * `leaseTtl`). The key of entity `id` of `kind` is `<kind>.<id>` (an id with
 * characters KV keys do not allow is base64url-encoded behind `~`). The value
 * names the holder node.
 *
 * - **Claim**: `create(key)`, which the server accepts only when the key has
 *   no live value (never written, deleted, or expired): compare-and-swap on
 *   "absent". Exactly one of several racing claimers wins.
 * - **Renew**: `update(key, rev)` every `leaseTtl / 4`, a compare-and-swap on
 *   the revision the holder last wrote; each write restarts the server-side
 *   `max_age` clock of the entry.
 * - **Release** (passivation): `delete(key, previousSeq: rev)`.
 * - **Fence**: the holder gives the lease up (and deactivates the actor)
 *   when a renewal is refused (someone else holds it), or when it has not
 *   completed a renewal for `0.75 * leaseTtl` counted from the *start* of its
 *   last successful write (a write the server stamped no earlier than that
 *   start, so the entry lives at least `leaseTtl` past it).
 *
 * Guarantee: a second activation can only start after the server dropped or
 * deleted the entry, which is at least `leaseTtl` after the holder's last
 * successful write began; the holder stops by `0.75 * leaseTtl` after that
 * instant on its own clock. So at most one activation runs at any time as
 * long as the holder's clock does not run more than 25% slow against the
 * NATS server's over one `leaseTtl`, and the holder's event loop is not
 * blocked for more than `0.25 * leaseTtl` (a blocked loop cannot fence
 * itself). A node that dies keeps its entities unavailable for at most
 * `leaseTtl` (plus the server's expiry sweep) before another node may
 * activate them.
 * @internal
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV, Kvm } from '@nats-io/kv';

/** How often `Leases.open` tries to create the bucket when racing other nodes. */
const BUCKET_ATTEMPTS = 5;

const text = new TextEncoder();
const untext = new TextDecoder();

/** The KV key of entity `id` of `kind`. */
export function leaseKey(kind: string, id: string): string {
  if (/^[-_=A-Za-z0-9]+$/.test(id)) return `${kind}.${id}`;
  return `${kind}.~${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** A lease this node holds. */
export class HeldLease {
  rev: number;
  /** When the last successful write started (Date.now()). */
  lastWriteStart: number;
  lost = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The renewal in flight, if any: `release()` waits for it so it deletes the revision that write produced. */
  #renewing: Promise<void> | undefined;

  constructor(
    readonly leases: Leases,
    readonly key: string,
    rev: number,
    writeStart: number,
    readonly onLost: () => void,
  ) {
    this.rev = rev;
    this.lastWriteStart = writeStart;
    this.#timer = setInterval(() => void this.#renew(), leases.ttl / 4);
  }

  /** The fence: no renewal completed within 0.75 ttl of the last successful write's start. */
  get #fenced(): boolean {
    return Date.now() - this.lastWriteStart > this.leases.ttl * 0.75;
  }

  async #renew(): Promise<void> {
    if (this.lost) return;
    if (this.#fenced) return this.#lose();
    if (this.#renewing !== undefined) return;
    this.#renewing = this.#write();
    await this.#renewing;
    this.#renewing = undefined;
    if (!this.lost && this.#fenced) this.#lose();
  }

  async #write(): Promise<void> {
    const start = Date.now();
    try {
      this.rev = await this.leases.kv.update(this.key, this.leases.value, this.rev);
      this.lastWriteStart = start;
    } catch (e) {
      // A refused compare-and-swap means someone else holds it; anything else (outage) is retried until the fence.
      if (/wrong last sequence/.test(String((e as Error).message))) this.#lose();
    }
  }

  #lose(): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    this.onLost();
  }

  /** Stops renewing (without releasing). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops renewing and deletes the entry if it is still ours. */
  async release(): Promise<void> {
    this.stop();
    if (this.lost) return;
    this.lost = true;
    // A renewal racing the release would move the revision past the one we delete with.
    await this.#renewing;
    await this.leases.kv.delete(this.key, { previousSeq: this.rev }).catch(() => undefined);
  }
}

/** @internal The lease bucket of one cluster handle. */
export class Leases {
  readonly value: Uint8Array;

  private constructor(
    readonly kv: KV,
    readonly ttl: number,
    readonly node: string,
  ) {
    this.value = text.encode(node);
  }

  static async open(
    nc: NatsConnection,
    KvmClass: typeof Kvm,
    bucket: string,
    ttl: number,
    node: string,
  ): Promise<Leases> {
    const kvm = new KvmClass(nc);
    for (let attempt = 1; ; attempt++) {
      try {
        return new Leases(await kvm.create(bucket, { ttl, history: 1 }), ttl, node);
      } catch (e) {
        // Nodes that join at once race to create the bucket's stream, and
        // nats-server may answer the losers "subjects overlap" or "already in
        // use" instead of treating the identical config as a no-op. By then
        // the stream exists, so the next attempt opens it.
        if (attempt === BUCKET_ATTEMPTS || !/subjects overlap|already in use/i.test(String((e as Error).message)))
          throw e;
        await new Promise((r) => setTimeout(r, 10 * attempt));
      }
    }
  }

  /** The node holding `key` now, if any. */
  async holder(key: string): Promise<{ node: string; rev: number } | undefined> {
    const e = await this.kv.get(key);
    if (e === null || e.operation !== 'PUT') return undefined;
    return { node: untext.decode(e.value), rev: e.revision };
  }

  /** Tries to take `key`; on success the lease renews itself until released or lost. */
  async claim(key: string, onLost: () => void): Promise<HeldLease | undefined> {
    const start = Date.now();
    try {
      const rev = await this.kv.create(key, this.value);
      return new HeldLease(this, key, rev, start, onLost);
    } catch (e) {
      if (/wrong last sequence|key exists/i.test(String((e as Error).message))) return undefined;
      throw e;
    }
  }
}
