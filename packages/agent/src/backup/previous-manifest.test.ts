import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { compareWalkOrder, encodeEntryRecords, EntryType, type FileEntry, MANIFEST_MAGIC } from '@cpsbackup/format';
import { fileEntry } from '@cpsbackup/testkit';
import { type PreviousManifest, PreviousManifestSpool } from './previous-manifest';

function id(n: number): Buffer {
  return createHash('sha256').update(`chunk ${n}`).digest();
}

function entry(i: number, type: FileEntry['type'] = EntryType.File): FileEntry {
  const chunks = type === EntryType.File ? Array.from({ length: i % 6 }, (_, k) => id(i * 10 + k)) : [];
  return {
    ...fileEntry(`/data/d${i % 7}/f${i}`, chunks, i * 1000),
    type,
    mtimeNs: 1_700_000_000_000_000_000n + BigInt(i),
    ctimeNs: -BigInt(i) - 1n,
    inode: 2n ** 63n + BigInt(i),
  };
}

function statOf(e: FileEntry, change: Partial<Record<'size' | 'mtimeNs' | 'ctimeNs' | 'ino', bigint>> = {}): fs.BigIntStats {
  return { size: BigInt(e.size), mtimeNs: e.mtimeNs, ctimeNs: e.ctimeNs, ino: e.inode, ...change } as fs.BigIntStats;
}

/** Spools `manifest` in pieces of `pieceBytes`, as the server would send it. */
function spooled(dir: string, manifest: Buffer, pieceBytes = 7919): PreviousManifest {
  const spool = new PreviousManifestSpool(dir);
  for (let at = 0; at < manifest.length; at += pieceBytes) spool.append(manifest.subarray(at, at + pieceBytes));
  const { previous, problem } = spool.finish();
  expect(problem).toBeUndefined();
  return previous;
}

describe('previous manifest', () => {
  let dir: string;
  // Several read blocks' worth, in walk order as a manifest is; every 5th a directory.
  const entries = Array.from({ length: 5000 }, (_, i) => entry(i, i % 5 === 0 ? EntryType.Directory : EntryType.File)).sort((a, b) =>
    compareWalkOrder(a.path, b.path),
  );
  const files = entries.filter((e) => e.type === EntryType.File);
  const manifest = Buffer.concat([MANIFEST_MAGIC, encodeEntryRecords(entries)]);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-prev-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an unchanged file gets exactly its chunk ids back; the spool leaves nothing on disk', () => {
    const previous = spooled(dir, manifest);
    expect(fs.readdirSync(dir)).toEqual([]);
    for (const e of files) expect(previous.previousFile(e.path, statOf(e))).toEqual({ chunks: e.chunks, unchanged: true });
    previous.close();
  });

  test('changed files come with their previous chunks; new and non-file paths have none; files gone since are passed over', () => {
    const previous = spooled(dir, manifest);
    const asked = files.filter((_, i) => i % 3 === 0); // the others were deleted since
    for (const [i, e] of asked.entries()) {
      const newPath = Buffer.concat([e.path, Buffer.from('.new')]);
      switch (i % 6) {
        case 0:
          expect(previous.previousFile(e.path, statOf(e, { size: BigInt(e.size + 1) }))).toEqual({ chunks: e.chunks, unchanged: false });
          break;
        case 1:
          expect(previous.previousFile(e.path, statOf(e, { mtimeNs: e.mtimeNs + 1n }))).toEqual({ chunks: e.chunks, unchanged: false });
          break;
        case 2:
          expect(previous.previousFile(e.path, statOf(e, { ctimeNs: e.ctimeNs - 1n }))).toEqual({ chunks: e.chunks, unchanged: false });
          break;
        case 3:
          expect(previous.previousFile(e.path, statOf(e, { ino: e.inode + 1n }))).toEqual({ chunks: e.chunks, unchanged: false });
          break;
        default:
          expect(previous.previousFile(e.path, statOf(e))).toEqual({ chunks: e.chunks, unchanged: true });
          // A new file right after it (".new" sorts after the name): not in the parent.
          expect(previous.previousFile(newPath, statOf(e))).toBeUndefined();
      }
    }
    const dirEntry = entries.find((e) => e.type === EntryType.Directory)!;
    const fresh = spooled(dir, manifest);
    expect(fresh.previousFile(dirEntry.path, statOf(dirEntry))).toBeUndefined();
    previous.close();
    fresh.close();
  });

  test('no parent: nothing is unchanged', () => {
    const spool = new PreviousManifestSpool(dir);
    spool.append(new Uint8Array());
    const { previous, problem } = spool.finish();
    expect(problem).toBeUndefined();
    expect(previous.previousFile(files[0]!.path, statOf(files[0]!))).toBeUndefined();
  });

  test('a spool directory that cannot be written: a warning, and every file is read again', () => {
    const spool = new PreviousManifestSpool(path.join(dir, 'missing'));
    spool.append(manifest);
    const { previous, problem } = spool.finish();
    expect(problem).toMatch(new RegExp(`could not be kept in ${dir}/missing \\(ENOENT\\), so every file is read again; set spool_dir`));
    expect(previous.previousFile(files[0]!.path, statOf(files[0]!))).toBeUndefined();
  });

  test('a damaged manifest is a protocol error naming it, not a silent "everything changed"', () => {
    const cut = spooled(dir, manifest.subarray(0, manifest.length - 10));
    const last = files[files.length - 1]!;
    const beyondAll = Buffer.from('/zzz'); // reads to the end of the spool
    expect(() => cut.previousFile(beyondAll, statOf(last))).toThrow(/unreadable previous manifest: manifest ends inside an entry/);
    const badMagic = spooled(dir, Buffer.concat([Buffer.from('NOTAMANI'), manifest.subarray(8)]));
    expect(() => badMagic.previousFile(last.path, statOf(last))).toThrow(/unreadable previous manifest: .*magic/);
  });
});
