/**
 * mpsc channel ends on another thread than their channel: builds the end a
 * worker gets for an end passed to its call (`remote-sender.ts`,
 * `remote-receiver.ts`).
 */
import { Sender } from '../../sync/mpsc/bounded.js';
import { UnboundedSender } from '../../sync/mpsc/unbounded.js';
import { Receiver } from '../../sync/mpsc/receiver.js';
import type { MpscWire } from './mpsc-wire.js';
import { RemoteReceiver } from './remote-receiver.js';
import { RemoteSender, RemoteUnboundedSender, SenderLink } from './remote-sender.js';

export { RemoteReceiver } from './remote-receiver.js';
export { RemoteSender, RemoteUnboundedSender } from './remote-sender.js';

/** Builds the end that arrived from another thread. */
export function reviveMpsc(wire: MpscWire): Sender<any> | UnboundedSender<any> | Receiver<any> {
  if (wire.weft === 'mpsc.Receiver') return new Receiver(new RemoteReceiver(wire));
  const link = new SenderLink(wire);
  return wire.weft === 'mpsc.Sender'
    ? new Sender(new RemoteSender(link))
    : new UnboundedSender(new RemoteUnboundedSender(link));
}
