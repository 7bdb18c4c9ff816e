/** @cpsbackup/protocol: the wire protocol between agents and cpsbackupd. */
export { cpsbackup } from './generated/backup';
export {
  decodeFrameBody,
  encodeFrame,
  FrameDecoder,
  FrameError,
  type FrameLimits,
  frameKind,
  type Message,
  type MessageKind,
  type OutgoingMessage,
} from './frame';
export { encodeChunkFrame, type ChunkFrameFields } from './chunk-frame';
export { FramedConnection, ConnectionError, type ConnectionOptions, keepAliveInterval } from './connection';
export { type LimiterClock, SEND_SLICE_BYTES, SendLimiter } from './send-limiter';
export { toBigInt, toSafeNumber, ProtocolError } from './convert';
export { PROTOCOL_VERSION, MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from './version';
export { LIMITS, boundedText } from './limits';
