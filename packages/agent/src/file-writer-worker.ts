/**
 * Worker thread of the restore's file writer (file-writer.ts): creates,
 * fills and closes files with synchronous calls, in the order the main
 * thread sent the operations. Content comes through a shared ring; every
 * data operation gives its bytes back (`release`) once written, whatever
 * happened. After the first failure no more files are touched: it is
 * reported once, and the rest is only released.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

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
  | { op: 'finish'; file: number; uid: number; gid: number; mode: number; mtime: number }
  | { op: 'abandon'; file: number }
  | { op: 'link'; existing: string; dest: string }
  | { op: 'drain'; token: number };

/** What comes back. */
export type WriterReport = { type: 'failed'; message: string; code?: string } | { type: 'drained'; token: number };

const fds = new Map<number, number>();
let failed = false;

function run(o: WriterOp, ring: Buffer, used: Int32Array): void {
  if (o.op === 'data') {
    try {
      if (!failed) {
        const fd = fds.get(o.file)!;
        for (let off = 0; off < o.length; ) off += fs.writeSync(fd, ring, o.at + off, o.length - off);
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
    case 'create':
      fds.set(o.file, fs.openSync(Buffer.from(o.dest, 'latin1'), CREATE_FLAGS, 0o600));
      return;
    case 'finish': {
      const fd = fds.get(o.file)!;
      fds.delete(o.file);
      try {
        if (o.uid >= 0) fs.fchownSync(fd, o.uid, o.gid);
        fs.fchmodSync(fd, o.mode);
        fs.futimesSync(fd, o.mtime, o.mtime);
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    case 'abandon': {
      // The restore is failing: the partial file stays as 0600.
      const fd = fds.get(o.file);
      fds.delete(o.file);
      if (fd !== undefined) fs.closeSync(fd);
      return;
    }
    case 'link':
      fs.linkSync(Buffer.from(o.existing, 'latin1'), Buffer.from(o.dest, 'latin1'));
      return;
  }
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
        for (const fd of fds.values()) closeQuietly(fd);
        fds.clear();
        const e = err as NodeJS.ErrnoException;
        parentPort!.postMessage({ type: 'failed', message: e.message, code: e.code } satisfies WriterReport);
      }
    }
  });
}
