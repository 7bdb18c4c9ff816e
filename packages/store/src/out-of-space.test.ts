/**
 * Backups running together when the disk fills: the one whose write met
 * ENOSPC and every other one it cut off fail with the system's code, so
 * each node is told the storage is full and what its operator must do (the
 * others were told only "cannot go on").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chunkIdOf } from '@cpsbackup/format';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { putChunk } from '@cpsbackup/testkit/store-trees';
import { isStoreError, StoreError } from './errors';
import { Store } from './store';

let root: string;
let mountPoint: string;
beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root to mount a small tmpfs');
  root = tempDir('out-of-space');
  mountPoint = path.join(root, 'disk');
  fs.mkdirSync(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
});
afterAll(() => {
  spawnSync('umount', ['-l', mountPoint]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('every backup the full disk cut off fails with ENOSPC, not only the one whose write met it', async () => {
  const store = await Store.open(path.join(mountPoint, 'store'), { packTargetSize: 1024 * 1024, flushThreshold: 512 * 1024 });
  try {
    const writers = ['alpha', 'beta', 'gamma'].map((client) => store.beginBackup({ client, parentId: null }));
    const rnd = new SeededRandom('full');
    const codes = new Map<number, unknown>();
    // Each writer in turn sends 64 KiB of new data until every one has failed.
    for (let round = 0; codes.size < writers.length && round < 10_000; round++) {
      for (const [i, w] of writers.entries()) {
        if (codes.has(i)) continue;
        try {
          const piece = rnd.bytes(64 * 1024);
          const id = chunkIdOf(piece);
          if (w.missing([id]).length) await putChunk(w, id, piece);
          await new Promise((r) => setImmediate(r)); // background flushes run
        } catch (err) {
          expect(err).toBeInstanceOf(StoreError);
          codes.set(i, isStoreError(err) ? err.context.code : undefined);
        }
      }
    }
    expect([...codes.values()]).toEqual(['ENOSPC', 'ENOSPC', 'ENOSPC']);
  } finally {
    await store.close().catch(() => undefined);
  }
});
