import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { SeededRandom } from '@cpsbackup/testkit';
import { FileWriter } from './file-writer';

describe('file writer thread', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-fw-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('files written through a small ring get exactly their bytes and metadata, whatever the piece sizes', async () => {
    // A 64 KiB ring with 16 KiB segments: pieces wrap around it, are split, and wait for room.
    const w = new FileWriter({ ringBytes: 64 * 1024, segmentBytes: 16 * 1024 });
    const rnd = new SeededRandom('file-writer');
    const expected = new Map<string, Buffer>();
    const scratch = Buffer.alloc(200_000);
    try {
      for (let i = 0; i < 60; i++) {
        const dest = path.join(dir, `f${i}`);
        const file = w.create(Buffer.from(dest));
        const pieces: Buffer[] = [];
        for (let k = i % 4; k > 0; k--) {
          const piece = rnd.bytes(1 + rnd.below(i % 7 === 0 ? 150_000 : 20_000));
          // Written from one reused buffer, as restore does: the writer must copy before returning.
          piece.copy(scratch);
          await w.write(file, scratch.subarray(0, piece.length));
          scratch.fill(0xee);
          pieces.push(piece);
        }
        w.finish(file, { uid: -1, gid: -1, mode: 0o640, mtimeNs: 1_600_000_000_500_000_001n });
        expected.set(dest, Buffer.concat(pieces));
      }
      await w.drain();
    } finally {
      await w.close();
    }
    for (const [dest, want] of expected) {
      expect(fs.readFileSync(dest).equals(want)).toBe(true);
      const st = fs.statSync(dest);
      expect(st.mode & 0o777).toBe(0o640);
      expect(fs.statSync(dest, { bigint: true }).mtimeNs).toBe(1_600_000_000_500_000_001n);
    }
  });

  test('property: pieces with runs of zeros anywhere (holes) come back exactly, ending in a hole or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('data', 'zeros'), fc.integer({ min: 1, max: 40_000 })), { minLength: 1, maxLength: 8 }),
        async (shape) => {
          const w = new FileWriter({ ringBytes: 64 * 1024, segmentBytes: 16 * 1024 });
          const rnd = new SeededRandom(JSON.stringify(shape));
          const dest = path.join(dir, 'sparse');
          fs.rmSync(dest, { force: true });
          const pieces = shape.map(([kind, n]) => (kind === 'zeros' ? Buffer.alloc(n) : rnd.bytes(n)));
          try {
            const file = w.create(Buffer.from(dest));
            for (const p of pieces) await w.write(file, p);
            w.finish(file, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_600_000_000_000_000_000n });
            await w.drain();
          } finally {
            await w.close();
          }
          expect(fs.readFileSync(dest).equals(Buffer.concat(pieces))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a hard link is made after its first name is complete', async () => {
    const w = new FileWriter();
    const first = Buffer.from(path.join(dir, 'first'));
    try {
      const file = w.create(first);
      await w.write(file, Buffer.alloc(3_000_000, 'x'));
      w.finish(file, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_000_000_000n });
      w.link(first, Buffer.from(path.join(dir, 'second')));
      await w.drain();
    } finally {
      await w.close();
    }
    const a = fs.statSync(path.join(dir, 'first'));
    const b = fs.statSync(path.join(dir, 'second'));
    expect(b.ino).toBe(a.ino);
    expect(b.size).toBe(3_000_000);
  });

  test('a file that cannot be created is skipped with its reason, the existing file is left alone, and the writer goes on', async () => {
    fs.writeFileSync(path.join(dir, 'exists'), 'mine');
    const w = new FileWriter();
    try {
      const file = w.create(Buffer.from(path.join(dir, 'no-such-dir', 'f')));
      await w.write(file, Buffer.from('theirs'));
      w.finish(file, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_000_000_000n });
      const later = w.create(Buffer.from(path.join(dir, 'later')));
      await w.write(later, Buffer.from('later'));
      w.finish(later, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_000_000_000n });
      await w.drain();
      expect(w.skippedFiles).toEqual([`${path.join(dir, 'no-such-dir', 'f')}: could not be restored (ENOENT)`]);
    } finally {
      await w.close();
    }
    expect(fs.readFileSync(path.join(dir, 'exists'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(path.join(dir, 'later'), 'utf8')).toBe('later');
  });

  test('an abandoned file leaves nothing behind', async () => {
    const w = new FileWriter();
    const dest = path.join(dir, 'partial');
    try {
      const file = w.create(Buffer.from(dest));
      await w.write(file, Buffer.from('half'));
      w.abandon(file);
      await w.drain();
    } finally {
      await w.close();
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a file takes its name only once complete: a restore cut off leaves no truncated file under it, and a re-run replaces the leftover', async () => {
    const dest = Buffer.from(path.join(dir, 'big.db'));
    const cut = new FileWriter();
    const file = cut.create(dest);
    await cut.write(file, Buffer.alloc(100_000, 1));
    await cut.drain();
    await cut.close(); // the agent dies here: no finish
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['.big.db.cpsbackup-partial']);

    const again = new FileWriter();
    try {
      const f = again.create(dest);
      await again.write(f, Buffer.from('complete'));
      again.finish(f, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_600_000_000_000_000_000n });
      await again.drain();
    } finally {
      await again.close();
    }
    expect(fs.readdirSync(dir)).toEqual(['big.db']);
    expect(fs.readFileSync(dest, 'utf8')).toBe('complete');
  });

  test('a name that appeared meanwhile is not replaced: that file is reported skipped, the others are written', async () => {
    const w = new FileWriter();
    try {
      const taken = Buffer.from(path.join(dir, 'taken'));
      const f1 = w.create(taken);
      fs.writeFileSync(taken, 'someone else');
      await w.write(f1, Buffer.from('ours'));
      w.finish(f1, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_600_000_000_000_000_000n });
      const f2 = w.create(Buffer.from(path.join(dir, 'free')));
      await w.write(f2, Buffer.from('ours'));
      w.finish(f2, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_600_000_000_000_000_000n });
      await w.drain();
      expect(w.skippedFiles).toEqual([`${path.join(dir, 'taken')}: could not be restored (EEXIST)`]);
    } finally {
      await w.close();
    }
    expect(fs.readFileSync(path.join(dir, 'taken'), 'utf8')).toBe('someone else');
    expect(fs.readFileSync(path.join(dir, 'free'), 'utf8')).toBe('ours');
    expect(fs.readdirSync(dir).sort()).toEqual(['free', 'taken']);
  });
});
