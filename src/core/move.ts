/**
 * The internal key by which a channel end hands over its shared state when it
 * moves to another thread (`worker/channel-wire.ts`). The handle it was called
 * on is left closed on this thread, the way a transferred `ArrayBuffer` is
 * left detached: the end now lives on the other side.
 *
 * Returns the state (`Chan` or oneshot `Inner`), or undefined when the handle
 * is closed or was moved already and so has nothing to hand over. With
 * `probe` true it only reports, changing nothing (to check a whole call's
 * arguments before moving any of them).
 */
export const kMove = Symbol('weft.move');

/**
 * The internal key under which a channel end tells whether it is a front
 * over a remote backend (the end lives on another thread than its channel:
 * `worker/channels/`), and which: undefined for an end of a local channel.
 */
export const kRemote = Symbol('weft.remote');

/**
 * The internal key of a handle (of a layer above the channels) that can be
 * used on another thread without moving: `value[kWire]()` makes a descriptor
 * (`worker/channels/channel-wire.ts`, `HandleWire`) holding a port to an
 * agent that serves it here, and the handle stays usable on this thread.
 */
export const kWire = Symbol('weft.wire');
