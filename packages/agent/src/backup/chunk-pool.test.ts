import { workerScript } from '../worker-script';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chunkIdOf, decodeChunk } from '@cpsbackup/format';
import { SeededRandom } from '@cpsbackup/testkit';
import { ChunkPool } from './chunk-pool';

// The worker runs compiled code: make build (part of make test) puts it in dist.
const WORKER = workerScript('backup/chunk-worker');

describe('chunk pool', () => {
  test('every chunk comes back decodable to exactly its bytes, whatever the order results arrive in', async () => {
    const pool = new ChunkPool(3, 2, WORKER);
    try {
      const rnd = new SeededRandom('pool');
      const chunks = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? rnd.bytes(1 + rnd.below(300_000)) : rnd.text(1 + rnd.below(300_000))));
      const results = await Promise.all(chunks.map((c) => pool.compress(c)));
      results.forEach((r, i) => expect(decodeChunk(r.codec, r.payload, chunks[i]!.length).equals(chunks[i]!)).toBe(true));
      expect(results.filter((r) => r.codec === 1).length).toBeGreaterThanOrEqual(40); // text shrinks
      expect(results.filter((r) => r.codec === 0).length).toBeGreaterThanOrEqual(1); // random stays raw
    } finally {
      await pool.close();
    }
  });

  test('ids are the SHA-256 of each chunk, from shared slabs read in place and from copied buffers alike', async () => {
    const pool = new ChunkPool(3, 2, WORKER);
    try {
      const rnd = new SeededRandom('hash');
      const slab = Buffer.from(new SharedArrayBuffer(4 * 1024 * 1024));
      rnd.bytes(slab.length).copy(slab);
      const pieces: Buffer[] = [];
      for (let at = 0; at < slab.length - 300_000; at += 1 + rnd.below(300_000)) pieces.push(slab.subarray(at, at + 1 + rnd.below(300_000)));
      pieces.push(rnd.bytes(100_000), Buffer.alloc(0));
      const ids = await Promise.all(pieces.map((p) => pool.hash(p)));
      ids.forEach((id, i) => expect(id.equals(chunkIdOf(pieces[i]!))).toBe(true));
    } finally {
      await pool.close();
    }
  });

  test('a chunk in a shared slab is compressed in place: the payload overwrites its first bytes and its neighbours are untouched', async () => {
    const pool = new ChunkPool(3, 2, WORKER);
    try {
      const rnd = new SeededRandom('in place');
      const slab = Buffer.from(new SharedArrayBuffer(2 * 1024 * 1024));
      const pieces: Buffer[] = [];
      let at = 0;
      for (let i = 0; at < slab.length - 200_000; i++) {
        const plain = i % 4 === 3 ? rnd.bytes(1 + rnd.below(200_000)) : rnd.text(1 + rnd.below(200_000));
        plain.copy(slab, at);
        pieces.push(slab.subarray(at, at + plain.length));
        at += plain.length;
      }
      const originals = pieces.map((p) => Buffer.from(p));
      const results = await Promise.all(pieces.map((p) => pool.compress(p)));
      results.forEach((r, i) => {
        expect(r.payload.buffer).toBe(slab.buffer);
        expect(r.payload.byteOffset).toBe(pieces[i]!.byteOffset);
        expect(decodeChunk(r.codec, r.payload, originals[i]!.length).equals(originals[i]!)).toBe(true);
      });
      expect(results.filter((r) => r.codec === 1).length).toBeGreaterThan(results.length / 2);
      expect(results.some((r) => r.codec === 0)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  test('the caller may reuse its buffer as soon as compress() returns', async () => {
    const pool = new ChunkPool(3, 1, WORKER);
    try {
      const buf = Buffer.from('abc '.repeat(10_000));
      const pending = pool.compress(buf);
      buf.fill(0);
      const r = await pending;
      expect(decodeChunk(r.codec, r.payload, buf.length).toString()).toBe('abc '.repeat(10_000));
    } finally {
      await pool.close();
    }
  });

  test('after close, compress() is refused with a clear error', async () => {
    const pool = new ChunkPool(3, 1, WORKER);
    await pool.close();
    await expect(pool.compress(Buffer.from('x'))).rejects.toThrow(/chunk pool: the pool was closed/);
  });

  test('workers start with the first job; a worker that cannot start fails that job with a clear error', async () => {
    // A worker's thread is made as it is constructed: an eager start would show in this process's threads at once.
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const before = threads();
    const pool = new ChunkPool(3, 1, path.join(__dirname, 'no-such-worker.js'));
    expect(threads()).toBe(before);
    await expect(pool.compress(Buffer.from('x'))).rejects.toThrow(/chunk pool: a worker failed: .*no-such-worker/);
    await pool.close();
  });
});
