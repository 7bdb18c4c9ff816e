import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chunker, DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { chunkIdOf } from '@cpsbackup/format';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { workerScript } from '../worker-script';
import { FilePool, ReadAhead, slabBytesFor } from './file-pool';
import { walk, type WalkItem } from './walker';

// The worker runs compiled code: make build (part of make test) puts it in dist.
const WORKER = workerScript('backup/file-worker');
const params = DEFAULT_CHUNKER_PARAMS;

describe('file pool', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('file-pool')));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('each file comes back cut as the chunker cuts it, every id the SHA-256 of its chunk; one past the slab is streamed instead; failures name their cause', async () => {
    const rnd = new SeededRandom('pool-files');
    const contents = [
      Buffer.alloc(0),
      rnd.bytes(10),
      rnd.bytes(params.minSize - 1),
      rnd.bytes(params.minSize),
      rnd.bytes(3_000_000),
      rnd.text(700_000),
      rnd.bytes(1_500_000),
      rnd.bytes(1_600_000),
    ];
    const paths = contents.map((c, i) => {
      const p = path.join(dir, `f${i}`);
      fs.writeFileSync(p, c);
      return Buffer.from(p);
    });
    fs.symlinkSync(paths[1]!.toString(), path.join(dir, 'link'));
    fs.mkdirSync(path.join(dir, 'sub'));
    const odd = ['missing', 'link', 'sub'].map((n) => Buffer.from(path.join(dir, n)));
    const pool = new FilePool(params, { maxReads: 3, maxBytes: 2_000_000 }, 2, WORKER);
    try {
      const { files: reads } = await pool.read([...paths, ...odd], 0);
      contents.forEach((c, i) => {
        const r = reads[i]!;
        if (c.length > 2_000_000 || i >= 6) {
          // Over maxBytes, or past the room left in the slab (sized from the walk's sizes): left to the main thread, which streams it.
          expect(r.tooLarge).toBe(true);
          return;
        }
        expect(r.error).toBeUndefined();
        expect(r.changed).toBe(false);
        expect(r.reads).toBe(1);
        const { mode, uid, gid, size, mtimeNs, ctimeNs, ino, dev, rdev, nlink } = fs.lstatSync(paths[i]!, { bigint: true });
        expect(r.stat).toEqual({ mode, uid, gid, size, mtimeNs, ctimeNs, ino, dev, rdev, nlink });
        expect(r.stat!.size).toBe(BigInt(c.length));
        const chunker = new Chunker(params);
        const cut = c.length === 0 ? [] : c.length < params.minSize ? [c] : [...chunker.push(c), chunker.finish()!];
        const got = r.chunks;
        expect(got.map((g) => g.data.toString('hex'))).toEqual(cut.map((x) => x.toString('hex')));
        for (const g of got) expect(g.id.equals(chunkIdOf(g.data))).toBe(true);
      });
      expect(reads.slice(contents.length).map((r) => r.error)).toEqual(['ENOENT', 'ELOOP', 'ECHANGED']);
    } finally {
      await pool.close();
    }
  });

  test('read-ahead gives every walked item once, in walk order, and never holds more than its limits', async () => {
    const rnd = new SeededRandom('ahead');
    for (let d = 0; d < 12; d++) {
      fs.mkdirSync(path.join(dir, `d${d}`));
      for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(dir, `d${d}`, `f${i}`), rnd.bytes(rnd.below(20_000)));
    }
    const walkOptions = { include: [dir], exclude: [], excludeRegex: [], onWarning: () => undefined };
    const expected = [...walk(walkOptions)].map((i) => i.path.toString());
    const pool = new FilePool(params, { maxReads: 3, maxBytes: 1_000_000 }, 3, WORKER);
    const limits = { items: 50, bytes: 3_500_000, batchFiles: 7, batchBytes: 50_000 };
    // Slab memory held by batches sent and not yet given back (each slab is at least 1 MiB, however small its files).
    let slabs = 0;
    let mostSlabs = 0;
    const read = pool.read.bind(pool);
    pool.read = async (paths, bytes) => {
      slabs += slabBytesFor(bytes);
      mostSlabs = Math.max(mostSlabs, slabs);
      const r = await read(paths, bytes);
      return { files: r.files, release: () => ((slabs -= slabBytesFor(bytes)), r.release()) };
    };
    let decided = 0;
    let consumed = 0;
    let mostAhead = 0;
    // Every third file stays with the main thread, as a hard link or an unchanged file would.
    const decide = (item: WalkItem) => {
      decided++;
      return { pooled: item.kind === 'file' && decided % 3 !== 0 };
    };
    try {
      const ahead = new ReadAhead(walk(walkOptions), pool, decide, limits);
      const seen: string[] = [];
      for (let step = ahead.next(); step; step = ahead.next()) {
        consumed++;
        mostAhead = Math.max(mostAhead, decided - consumed);
        seen.push(step.item.path.toString());
        if (step.read) {
          const r = await step.read;
          expect(Buffer.concat(r.chunks.map((c) => c.data)).equals(fs.readFileSync(step.item.path))).toBe(true);
        }
      }
      expect(seen).toEqual(expected);
      expect(mostAhead).toBeLessThan(limits.items);
      expect(mostSlabs).toBeLessThanOrEqual(limits.bytes + slabBytesFor(limits.batchBytes));
      expect(slabs).toBe(0);
    } finally {
      await pool.close();
    }
  });

  test('a pool that cannot start fails the reads with a clear error', async () => {
    const pool = new FilePool(params, { maxReads: 3, maxBytes: 1000 }, 1, path.join(dir, 'no-such-worker.js'));
    await expect(pool.read([Buffer.from('/etc/hostname')], 0)).rejects.toThrow(/file pool: a worker failed: .*no-such-worker/);
    await pool.close();
  });
});
