/**
 * Worker thread of the restore's file writer (file-writer.ts): creates,
 * fills and closes files with synchronous calls, in the order the main
 * thread sent the operations. Content comes through a shared ring; every
 * data operation gives its bytes back (`release`) once written, whatever
 * happened.
 *
 * A file is written under a temporary name in its own directory and takes
 * its real name only once complete (content, owner, mode, times), so a
 * restore that is killed never leaves a truncated file under the real name.
 * A failure that concerns one file (it appeared meanwhile, a name the
 * filesystem refuses) skips that file and is reported as such; one that
 * concerns the whole restore (no space, read-only, I/O error) stops it: no
 * more files are touched, it is reported once, and the rest is only released.
 *
 * A run of zeros the main thread found (a `hole` operation) is skipped over,
 * not written: the file gets a hole there, as a sparse original had.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { futimensNs, renameNoReplace } from '@cpsbackup/syscalls';

/** Flags of every file a restore creates: never an existing file, never through a symlink. */
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Indexes into the control array shared with the main thread. */
export const CTRL_USED = 0;

/** What the worker is started with. */
export interface WriterWorkerData {
  ring: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
}

/** One operation; paths are latin1 strings so raw path bytes survive the message. */
export type WriterOp =
  | { op: 'create'; file: number; dest: string }
  | { op: 'data'; file: number; at: number; length: number; release: number }
  | { op: 'hole'; file: number; length: number }
  | { op: 'finish'; file: number; uid: number; gid: number; mode: number; mtimeNs: bigint }
  | { op: 'abandon'; file: number }
  | { op: 'link'; existing: string; dest: string }
  | { op: 'drain'; token: number };

/** What comes back. */
export type WriterReport =
  { type: 'failed'; message: string; code?: string } | { type: 'skipped'; dest: string; message: string } | { type: 'drained'; token: number };

/** Errors after which no further file can be written either. */
const FATAL = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

/** The temporary name a file is written under: hidden, beside its real name, the same on every run (a re-run replaces a stale one). */
export function partialName(dest: Buffer): Buffer {
  const dir = path.dirname(dest.toString('latin1'));
  const base = path.basename(dest.toString('latin1'));
  const name =
    base.length <= 200 ? `.${base}.cpsbackup-partial` : `.cpsbackup-partial-${createHash('sha256').update(base, 'latin1').digest('hex').slice(0, 32)}`;
  return Buffer.from(path.join(dir, name), 'latin1');
}

/** Open files by handle: descriptor, temporary and real names. */
const files = new Map<number, { fd: number; tmp: Buffer; dest: Buffer; size: number; holeAtEnd: boolean }>();
/** Files skipped after a failure of their own: their later operations are ignored. */
const skipped = new Set<number>();
let failed = false;

function run(o: WriterOp, ring: Buffer, used: Int32Array): void {
  if (o.op === 'data') {
    try {
      const f = files.get(o.file);
      if (!failed && f) {
        try {
          for (let off = 0; off < o.length;) off += fs.writeSync(f.fd, ring, o.at + off, o.length - off, f.size + off);
          f.size += o.length;
          f.holeAtEnd = false;
        } catch (err) {
          fileFailed(o.file, err);
        }
      }
    } finally {
      Atomics.sub(used, CTRL_USED, o.release);
      Atomics.notify(used, CTRL_USED);
    }
    return;
  }
  if (o.op === 'drain') {
    parentPort!.postMessage({ type: 'drained', token: o.token } satisfies WriterReport);
    return;
  }
  if (failed) return;
  switch (o.op) {
    case 'hole': {
      const f = files.get(o.file);
      if (f) {
        f.size += o.length; // the next write lands past it; finish sets the size if it ends the file
        f.holeAtEnd = true;
      }
      return;
    }
    case 'create': {
      const dest = Buffer.from(o.dest, 'latin1');
      const tmp = partialName(dest);
      try {
        files.set(o.file, { fd: createPartial(tmp), tmp, dest, size: 0, holeAtEnd: false });
      } catch (err) {
        fileFailed(o.file, err, dest);
      }
      return;
    }
    case 'finish': {
      const f = files.get(o.file);
      if (!f) return; // skipped
      files.delete(o.file);
      try {
        try {
          if (f.holeAtEnd) fs.ftruncateSync(f.fd, f.size);
          if (o.uid >= 0) fs.fchownSync(f.fd, o.uid, o.gid);
          fs.fchmodSync(f.fd, o.mode);
          futimensNs(f.fd, o.mtimeNs, o.mtimeNs);
        } finally {
          fs.closeSync(f.fd);
        }
        takeName(f.tmp, f.dest);
      } catch (err) {
        fs.rmSync(f.tmp, { force: true });
        fileFailed(o.file, err, f.dest);
      }
      return;
    }
    case 'abandon': {
      // The restore is failing: nothing of the file is left.
      const f = files.get(o.file);
      files.delete(o.file);
      if (f) {
        closeQuietly(f.fd);
        fs.rmSync(f.tmp, { force: true });
      }
      return;
    }
    case 'link':
      try {
        fs.linkSync(Buffer.from(o.existing, 'latin1'), Buffer.from(o.dest, 'latin1'));
      } catch (err) {
        fileFailed(0, err, Buffer.from(o.dest, 'latin1'));
      }
      return;
  }
}

/**
 * Creates a file's temporary name; one left there by a restore that was
 * killed is removed first. Tried before looking, as it is almost never
 * there: a look (lstat) before every file was a sixth of a small-file
 * restore's writer time.
 */
function createPartial(tmp: Buffer): number {
  try {
    return fs.openSync(tmp, CREATE_FLAGS, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  fs.unlinkSync(tmp);
  return fs.openSync(tmp, CREATE_FLAGS, 0o600);
}

/** Whether renameat2's RENAME_NOREPLACE works here; cleared by the first filesystem that refuses it. */
let renameNoReplaceWorks = true;

/**
 * Gives a complete file its real name, never replacing what appeared there
 * meanwhile: a rename that fails if the name exists (renameat2
 * RENAME_NOREPLACE, one call), else link() then unlink() (link fails if the
 * name exists, where rename() would replace). Filesystems without hard
 * links get rename().
 */
function takeName(tmp: Buffer, dest: Buffer): void {
  if (renameNoReplaceWorks) {
    try {
      renameNoReplace(tmp, dest);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOSYS') {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
      renameNoReplaceWorks = false;
    }
  }
  try {
    fs.linkSync(tmp, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.renameSync(tmp, dest);
    return;
  }
  fs.unlinkSync(tmp);
}

/** One file could not be restored: skipped with a report, unless the error stops every file (then rethrown). */
function fileFailed(file: number, err: unknown, dest?: Buffer): void {
  const e = err as NodeJS.ErrnoException;
  if (FATAL.has(e.code ?? '')) throw err;
  const f = files.get(file);
  if (f) {
    files.delete(file);
    closeQuietly(f.fd);
    fs.rmSync(f.tmp, { force: true });
  }
  if (file) skipped.add(file);
  const name = (dest ?? f?.dest)?.toString('latin1') ?? '?';
  parentPort!.postMessage({ type: 'skipped', dest: name, message: `${e.code ?? e.message}` } satisfies WriterReport);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing; the first error is the one reported
  }
}

if (parentPort) {
  const { ring, ctrl } = workerData as WriterWorkerData;
  const ringBuf = Buffer.from(ring);
  const used = new Int32Array(ctrl);
  parentPort.on('message', (ops: WriterOp[]) => {
    for (const o of ops) {
      try {
        run(o, ringBuf, used);
      } catch (err) {
        if (failed) continue;
        failed = true;
        for (const f of files.values()) {
          closeQuietly(f.fd);
          fs.rmSync(f.tmp, { force: true });
        }
        files.clear();
        const e = err as NodeJS.ErrnoException;
        parentPort!.postMessage({ type: 'failed', message: e.message, code: e.code } satisfies WriterReport);
      }
    }
  });
}
