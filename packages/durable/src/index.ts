/** @cpsbackup/durable: files that survive a crash or a power cut (server and agent both use them). */
export { createFileDurably, type FileOwner, fsyncDir, mkdirDurably, replaceFileDurably } from './durable-fs';
export { type LockHolder, PidLockFile } from './pid-lock';
