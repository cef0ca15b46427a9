/**
 * @internal The backends of channel ends that live on another thread than
 * their channel. Each public end class (`Sender`, `Receiver`, ...) is a front:
 * over its local channel state (`Chan`, oneshot `Inner`), or, for an end
 * passed to a worker, over one of these, which weft/worker implements
 * (`src/worker/channels/`) on top of a message port to the channel's home.
 * A backend gets every call of the front, with the same contract.
 */
import type { Parked } from '../core/wait-queue.js';
import type { Permit, Sender } from './mpsc/bounded.js';
import type { UnboundedSender } from './mpsc/unbounded.js';
import type { TryRecvResult } from './mpsc/receiver.js';
import type { OneshotTryRecvResult } from './oneshot.js';

type Opts = { signal?: AbortSignal } | undefined;

export interface PermitBackend<T> {
  send(value: T): void;
  release(): void;
}

export interface SenderBackend<T> {
  send(value: T, options: Opts): Promise<void>;
  trySend(value: T): boolean;
  reserve(options: Opts): Promise<Permit<T>>;
  tryReserve(): Permit<T> | undefined;
  clone(): Sender<T>;
  close(): void;
  closed(options: Opts): Promise<void>;
  readonly isClosed: boolean;
  readonly capacity: number;
  readonly maxCapacity: number;
}

export interface UnboundedSenderBackend<T> {
  send(value: T): void;
  clone(): UnboundedSender<T>;
  close(): void;
  closed(options: Opts): Promise<void>;
  readonly isClosed: boolean;
}

export interface ReceiverBackend<T> {
  recv(options: Opts): Promise<T | undefined>;
  recvMany(into: T[], limit: number, options: Opts): Promise<number>;
  tryRecv(): TryRecvResult<T>;
  close(): void;
  select(arm: Parked<T | undefined>): void;
  readonly isClosed: boolean;
  readonly isEmpty: boolean;
  readonly length: number;
}

export interface OneshotSenderBackend<T> {
  send(value: T): boolean;
  close(): void;
  closed(options: Opts): Promise<void>;
  readonly isClosed: boolean;
}

export interface OneshotReceiverBackend<T> {
  recv(options: Opts): Promise<T>;
  tryRecv(): OneshotTryRecvResult<T>;
  close(): void;
  select(arm: Parked<T>): void;
}
