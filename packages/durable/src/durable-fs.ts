import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Whom a file is made for. */
export interface FileOwner {
  uid: number;
  gid: number;
}

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
 * mkdir -p whose new directories survive a power cut: the parent of each
 * directory it created is fsynced (the files put in them are made durable
 * by their writers). New directories get `mode` (private by default: the
 * umask can only take bits away).
 */
export function mkdirDurably(dir: string, mode = 0o700): void {
  const first = fs.mkdirSync(dir, { recursive: true, mode });
  if (first === undefined) return;
  for (let d = dir; ; d = path.dirname(d)) {
    fsyncDir(path.dirname(d));
    if (d === first || path.dirname(d) === d) return;
  }
}

/**
 * Writes `content` under a temporary name beside `file`, fsyncs it, then
 * hands the name to `install` (link or rename it into place). The
 * temporary name is one no other call can pick, and it is removed whatever
 * happens (also on a failed write, a full disk): no debris is left behind.
 * The directory is fsynced last, so the new name survives a power cut.
 * Files are private (0600) unless `mode` says otherwise; `owner` gives the
 * file to another user before it is fsynced (root writing for a daemon's user).
 */
function installDurably(file: string, content: string | Buffer, mode: number, install: (tmp: string) => void, owner?: FileOwner): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, content);
      if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    install(tmp);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(dir);
}

/**
 * Creates `file` with `content` atomically and durably, failing with EEXIST
 * if it exists (link() never replaces; the temporary name is unique, so an
 * EEXIST can only come from `file` itself). The file is never seen empty or
 * half written, even after a power cut.
 */
export function createFileDurably(file: string, content: string | Buffer, mode = 0o600, owner?: FileOwner): void {
  installDurably(file, content, mode, (tmp) => fs.linkSync(tmp, file), owner);
}

/**
 * Writes `file` with `content` atomically and durably, replacing what it
 * held (rename()): a reader sees the old content or the new one, never a
 * mix, even after a power cut.
 */
export function replaceFileDurably(file: string, content: string | Buffer, mode = 0o600): void {
  installDurably(file, content, mode, (tmp) => fs.renameSync(tmp, file));
}
