/**
 * weft/net: TCP, Unix and UDP sockets with pull-based, bounded reads,
 * backpressured writes and cancellable waits; `BufReader` for lines,
 * `BufWriter` for batching small writes; a
 * `BufferPool` for read buffers.
 * @module
 */
export { TcpListener, type TcpBindOptions } from './tcp-listener.js';
export { TcpStream, type TcpConnectOptions } from './tcp-stream.js';
export { UnixListener, type UnixBindOptions } from './unix-listener.js';
export { UnixStream, type UnixConnectOptions } from './unix-stream.js';
export { NetStream } from './net-stream.js';
export { ReadHalf, WriteHalf } from './halves.js';
export { UdpSocket, type Datagram, type UdpBindOptions } from './udp-socket.js';
export { BufReader, type BufReaderOptions } from './buf-reader.js';
export { BufWriter, type BufWriterTarget } from './buf-writer.js';
export { BufferPool, type BufferPoolOptions } from './buffer-pool.js';
export type { AsyncRead, AsyncWrite } from '../io/traits.js';
export type { AddrInput, SocketAddr } from './addr.js';
export type { StreamOptions, TcpStreamOptions } from './options.js';
export type { ListenOptions } from './listener-core.js';
export {
  IoError,
  UnexpectedEofError,
  WriteAfterShutdownError,
  SocketClosedError,
  ReadTimeoutError,
} from '../io/errors.js';
export { AddrParseError } from './errors.js';
