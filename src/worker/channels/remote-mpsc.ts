/**
 * mpsc channel ends on another thread than their channel: builds the end a
 * worker gets for an end passed to its call (`remote-sender.ts`,
 * `remote-receiver.ts`).
 */
import type { Sender } from '../../sync/mpsc/bounded.js';
import type { UnboundedSender } from '../../sync/mpsc/unbounded.js';
import type { Receiver } from '../../sync/mpsc/receiver.js';
import type { MpscWire } from './mpsc-wire.js';
import { RemoteReceiver } from './remote-receiver.js';
import { RemoteSender, RemoteUnboundedSender, SenderLink } from './remote-sender.js';

export { RemoteReceiver } from './remote-receiver.js';
export { RemoteSender, RemoteUnboundedSender } from './remote-sender.js';

/** Builds the end that arrived from another thread. */
export function reviveMpsc(wire: MpscWire): Sender<any> | UnboundedSender<any> | Receiver<any> {
  if (wire.weft === 'mpsc.Receiver') return new RemoteReceiver(wire);
  const link = new SenderLink(wire);
  return wire.weft === 'mpsc.Sender' ? new RemoteSender(link) : new RemoteUnboundedSender(link);
}
