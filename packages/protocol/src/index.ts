/** @cpsbackup/protocol: the wire protocol between agents and cpsbackupd. */
export { cpsbackup } from './generated/backup';
export { decodeFrameBody, encodeFrame, FrameDecoder, FrameError, FrameLimits, frameKind, Message, MessageKind, OutgoingMessage } from './frame';
export { encodeChunkFrame, ChunkFrameFields } from './chunk-frame';
export { FramedConnection, ConnectionError, ConnectionOptions } from './connection';
export { toWireEntry, fromWireEntry, checkEntry, entriesFromRecords, toBigInt, toSafeNumber, ProtocolError } from './convert';
export { PROTOCOL_VERSION, MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from './version';
export { LIMITS, boundedText } from './limits';
