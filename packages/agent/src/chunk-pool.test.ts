import * as path from 'node:path';
import { chunkIdOf, decodeChunk } from '@cpsbackup/store/dist/shared';
import { SeededRandom } from '@cpsbackup/testkit';
import { ChunkPool } from './chunk-pool';

// The worker runs compiled code: make build (part of make test) puts it in dist.
const WORKER = path.join(__dirname, '../dist/chunk-worker.js');

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
      // Compressing from the slab gives back the same bytes, also when they stay raw.
      const results = await Promise.all(pieces.slice(0, 8).map((p) => pool.compress(p)));
      results.forEach((r, i) => expect(decodeChunk(r.codec, r.payload, pieces[i]!.length).equals(pieces[i]!)).toBe(true));
      expect(results[0]!.payload.buffer).not.toBe(slab.buffer);
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
    await expect(pool.compress(Buffer.from('x'))).rejects.toThrow(/chunk pool was closed/);
  });

  test('workers start with the first job; a worker that cannot start fails that job with a clear error', async () => {
    const pool = new ChunkPool(3, 1, path.join(__dirname, 'no-such-worker.js'));
    await new Promise((r) => setTimeout(r, 200)); // an eager start would have failed by now
    await expect(pool.compress(Buffer.from('x'))).rejects.toThrow(/chunk worker failed: .*no-such-worker/);
    await pool.close();
  });
});
