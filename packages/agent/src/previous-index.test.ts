import type * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { EntryType, FileEntry } from '@cpsbackup/store/dist/shared';
import { fileEntry } from '@cpsbackup/store/dist/test-support/fixtures';
import { PreviousIndex } from './previous-index';

function id(n: number): Buffer {
  return createHash('sha256').update(`chunk ${n}`).digest();
}

function entry(i: number, type: FileEntry['type'] = EntryType.File): FileEntry {
  const chunks = Array.from({ length: i % 6 }, (_, k) => id(i * 10 + k));
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

describe('previous index', () => {
  const N = 5000; // several times the initial capacity: the columns must grow
  const index = new PreviousIndex();
  const entries = Array.from({ length: N }, (_, i) => entry(i));
  for (const e of entries) index.add(e);
  index.add({ ...entry(N), path: Buffer.from('/data'), type: EntryType.Directory });

  test('an unchanged file gets exactly its chunk ids back', () => {
    expect(index.size).toBe(N);
    for (const e of entries) expect(index.unchangedChunks(e.path, statOf(e))).toEqual(e.chunks);
    expect(index.totalBytes).toBe(entries.reduce((t, e) => t + e.size, 0) + N * 1000);
  });

  test('any change of size, mtime, ctime or inode means the file is read again', () => {
    const e = entries[4321]!;
    expect(index.unchangedChunks(e.path, statOf(e, { size: BigInt(e.size + 1) }))).toBeUndefined();
    expect(index.unchangedChunks(e.path, statOf(e, { mtimeNs: e.mtimeNs + 1n }))).toBeUndefined();
    expect(index.unchangedChunks(e.path, statOf(e, { ctimeNs: e.ctimeNs - 1n }))).toBeUndefined();
    expect(index.unchangedChunks(e.path, statOf(e, { ino: e.inode + 1n }))).toBeUndefined();
  });

  test('only regular files are indexed; unknown paths are new', () => {
    const dir = { ...entry(1), path: Buffer.from('/data') };
    expect(index.unchangedChunks(dir.path, statOf(dir))).toBeUndefined();
    expect(index.unchangedChunks(Buffer.from('/data/new'), statOf(entries[0]!))).toBeUndefined();
  });
});
