import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** fsync a directory, so that entries created or removed in it survive a power cut. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates `file` with `content` atomically and durably, failing with EEXIST
 * if it exists: the bytes go to a temporary name and are fsynced, then the
 * name is linked in (link() never replaces) and the directory fsynced. So
 * the file is never seen empty or half written, even after a power cut.
 */
export function createFileDurably(file: string, content: string | Buffer, mode = 0o644): void {
  const dir = path.dirname(file);
  // A name no other call can pick, so an EEXIST below can only come from `file` itself.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(tmp, file);
  } finally {
    // Also on a failed write (a full disk): no debris is left behind.
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(dir);
}

/**
 * Writes `file` with `content` atomically and durably, replacing what it
 * held: the bytes go to a temporary name and are fsynced, rename() puts them
 * in place and the directory is fsynced. A reader sees the old content or
 * the new one, never a mix, even after a power cut.
 */
export function replaceFileDurably(file: string, content: string | Buffer, mode = 0o644): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true }); // gone after the rename; debris after a failed write
  }
  fsyncDir(dir);
}
