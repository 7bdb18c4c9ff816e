import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { SeededRandom } from '@cpsbackup/testkit';
import { FileWriter } from './file-writer';

describe('file writer thread', () => {
  let dir: string;
  let base: number;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-fw-'));
    base = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  });
  afterEach(() => {
    fs.closeSync(base);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const here = Buffer.alloc(0);
  const nm = (s: string) => Buffer.from(s);

  test('files written through a small ring get exactly their bytes and metadata, whatever the piece sizes', async () => {
    // A 64 KiB ring with 16 KiB segments: pieces wrap around it, are split, and wait for room.
    const w = new FileWriter(base, { ringBytes: 64 * 1024, segmentBytes: 16 * 1024 });
    const rnd = new SeededRandom('file-writer');
    const expected = new Map<string, Buffer>();
    const scratch = Buffer.alloc(200_000);
    try {
      for (let i = 0; i < 60; i++) {
        const dest = path.join(dir, `f${i}`);
        const file = w.create(here, nm(`f${i}`));
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

  test('thousands of small files, taken at once while the ring has room and waited for when it is full, each come back whole; an abandoned one among them leaves nothing', async () => {
    // A 16 KiB ring: small pieces are taken at once (no promise), and every few files one must wait for room.
    const w = new FileWriter(base, { ringBytes: 16 * 1024, segmentBytes: 8 * 1024 });
    const rnd = new SeededRandom('small files');
    const expected = new Map<string, Buffer>();
    let atOnce = 0;
    let waited = 0;
    try {
      for (let i = 0; i < 3000; i++) {
        const file = w.create(here, nm(`s${i}`), { size: 0, mode: 0o644 });
        const piece = rnd.bytes(1 + rnd.below(3000));
        const room = w.write(file, piece);
        if (room) {
          waited++;
          await room;
        } else atOnce++;
        if (i % 97 === 13) {
          w.abandon(file);
          continue;
        }
        w.finish(file, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_600_000_000_000_000_000n + BigInt(i) });
        expected.set(`s${i}`, piece);
      }
      await w.drain();
    } finally {
      await w.close();
    }
    expect(atOnce).toBeGreaterThan(0);
    expect(waited).toBeGreaterThan(0);
    expect(fs.readdirSync(dir).sort()).toEqual([...expected.keys()].sort());
    for (const [name, want] of expected) expect(fs.readFileSync(path.join(dir, name)).equals(want)).toBe(true);
  });

  test('pieces decoded where target() says are taken in place, with their holes, across the end of the ring; other pieces are copied', async () => {
    const w = new FileWriter(base, { ringBytes: 64 * 1024, segmentBytes: 16 * 1024 });
    const rnd = new SeededRandom('in place');
    const expected = new Map<string, Buffer>();
    let inPlace = 0;
    try {
      for (let i = 0; i < 400; i++) {
        const file = w.create(here, nm(`p${i}`));
        const pieces: Buffer[] = [];
        for (let k = 1 + (i % 3); k > 0; k--) {
          // Some pieces hold whole 4 KiB blocks of zeros (holes), some are larger than a segment (never a target).
          const n = 1 + rnd.below(i % 11 === 0 ? 40_000 : 12_000);
          const piece = i % 5 === 0 ? Buffer.concat([rnd.bytes(100), Buffer.alloc(n), rnd.bytes(7)]) : rnd.bytes(n);
          const slot = w.target(piece.length);
          if (slot && i % 7 !== 3) {
            piece.copy(slot);
            inPlace++;
            await w.write(file, slot);
          } else {
            // Asked for a target and then not used: the piece is copied where it goes.
            if (slot) slot.fill(0xee);
            await w.write(file, piece);
          }
          pieces.push(piece);
        }
        w.finish(file, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_600_000_000_000_000_000n });
        expected.set(`p${i}`, Buffer.concat(pieces));
      }
      await w.drain();
    } finally {
      await w.close();
    }
    expect(inPlace).toBeGreaterThan(100);
    for (const [name, want] of expected) expect(fs.readFileSync(path.join(dir, name)).equals(want)).toBe(true);
  });

  test('each file ends with its own permissions, whether it was made with them (no chmod) or changed after', async () => {
    // Under umask 022: 0644 and 0755 are made as they are; 0664 loses a bit to the umask, 04755 and 01644 carry bits set after the owner.
    const old = process.umask(0o022);
    const modes = [0o644, 0o755, 0o600, 0o000, 0o444, 0o664, 0o777, 0o4755, 0o2750, 0o1644];
    const w = new FileWriter(base);
    try {
      for (const mode of modes) {
        const file = w.create(here, nm(`m${mode.toString(8)}`), { mode });
        await w.write(file, Buffer.from('x'));
        w.finish(file, { uid: -1, gid: -1, mode, mtimeNs: 1_600_000_000_000_000_000n });
      }
      await w.drain();
    } finally {
      await w.close();
      process.umask(old);
    }
    for (const mode of modes) expect((fs.statSync(path.join(dir, `m${mode.toString(8)}`)).mode & 0o7777).toString(8)).toBe(mode.toString(8));
  });

  test('property: pieces with runs of zeros anywhere (holes) come back exactly, ending in a hole or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('data', 'zeros'), fc.integer({ min: 1, max: 40_000 })), { minLength: 1, maxLength: 8 }),
        async (shape) => {
          const w = new FileWriter(base, { ringBytes: 64 * 1024, segmentBytes: 16 * 1024 });
          const rnd = new SeededRandom(JSON.stringify(shape));
          const dest = path.join(dir, 'sparse');
          fs.rmSync(dest, { force: true });
          const pieces = shape.map(([kind, n]) => (kind === 'zeros' ? Buffer.alloc(n) : rnd.bytes(n)));
          try {
            const file = w.create(here, nm('sparse'));
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
    const w = new FileWriter(base);
    try {
      const file = w.create(here, nm('first'));
      await w.write(file, Buffer.alloc(3_000_000, 'x'));
      w.finish(file, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_000_000_000n, linkGroup: 7 });
      w.link(7, here, nm('second'));
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
    const w = new FileWriter(base);
    try {
      const file = w.create(nm('no-such-dir'), nm('f'));
      await w.write(file, Buffer.from('theirs'));
      w.finish(file, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_000_000_000n });
      const later = w.create(here, nm('later'));
      await w.write(later, Buffer.from('later'));
      w.finish(later, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_000_000_000n });
      await w.drain();
      expect(w.skippedFiles).toEqual([`/no-such-dir/f: could not be restored (ENOENT)`]);
    } finally {
      await w.close();
    }
    expect(fs.readFileSync(path.join(dir, 'exists'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(path.join(dir, 'later'), 'utf8')).toBe('later');
  });

  test('an abandoned file leaves nothing behind', async () => {
    const w = new FileWriter(base);
    try {
      const file = w.create(here, nm('partial'));
      await w.write(file, Buffer.from('half'));
      w.abandon(file);
      await w.drain();
    } finally {
      await w.close();
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  describe.each([
    ['with no name (O_TMPFILE)', true],
    ['under a temporary name (filesystems without O_TMPFILE)', false],
  ])('a file made %s', (_how, unnamedFiles) => {
    const limits = { ringBytes: 1024 * 1024, segmentBytes: 256 * 1024, unnamedFiles };

    test('takes its name only once complete: a restore cut off leaves no truncated file under it', async () => {
      const dest = Buffer.from(path.join(dir, 'big.db'));
      const cut = new FileWriter(base, limits);
      const file = cut.create(here, nm('big.db'));
      await cut.write(file, Buffer.alloc(100_000, 1));
      await cut.drain();
      await cut.close(); // the agent dies here: no finish
      expect(fs.existsSync(dest)).toBe(false);
      // With no name, nothing is left; else a hidden file with a random tag, which no later restore takes for its own.
      const left = fs.readdirSync(dir);
      if (unnamedFiles) expect(left).toEqual([]);
      else expect(left).toEqual([expect.stringMatching(/^\.big\.db\.cpsbackup-partial-[0-9a-f]{16}$/)]);

      const again = new FileWriter(base, limits);
      try {
        const f = again.create(here, nm('big.db'));
        await again.write(f, Buffer.from('complete'));
        again.finish(f, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_600_000_000_000_000_000n });
        await again.drain();
      } finally {
        await again.close();
      }
      expect(fs.readdirSync(dir).sort()).toEqual(['big.db', ...left].sort());
      expect(fs.readFileSync(dest, 'utf8')).toBe('complete');
    });

    test('never replaces or removes a file whose name looks like a temporary one, in the backup or already there', async () => {
      const long = 'L'.repeat(230);
      const live = ['.a.cpsbackup-partial', `.cpsbackup-partial-${'0'.repeat(32)}`, '.a.cpsbackup-partial-0123456789abcdef'];
      for (const n of live) fs.writeFileSync(path.join(dir, n), `live ${n}`);
      fs.writeFileSync(path.join(dir, 'a'), 'old a');
      // The backup's own files named as the old fixed temporary names were, each restored before the file they shadow.
      const restored: [string, boolean][] = [
        ['.b.cpsbackup-partial', false],
        ['b', false],
        [`.cpsbackup-partial-${'f'.repeat(32)}`, false],
        [long, false],
        ['a', true], // --overwrite: replaced by a rename over it
      ];
      const w = new FileWriter(base, limits);
      try {
        for (const [n, replace] of restored) {
          const f = w.create(here, nm(n), { replace });
          await w.write(f, Buffer.from(`backup ${n}`));
          w.finish(f, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_600_000_000_000_000_000n });
        }
        await w.drain();
      } finally {
        await w.close();
      }
      expect(w.skippedFiles).toEqual([]);
      for (const n of live) expect(fs.readFileSync(path.join(dir, n), 'utf8')).toBe(`live ${n}`);
      for (const [n] of restored) expect(fs.readFileSync(path.join(dir, n), 'utf8')).toBe(`backup ${n}`);
      expect(fs.readdirSync(dir).sort()).toEqual([...live, ...restored.map(([n]) => n)].sort());
    });
  });

  test('a name that appeared meanwhile is not replaced: that file is reported skipped, the others are written', async () => {
    const w = new FileWriter(base);
    try {
      const taken = Buffer.from(path.join(dir, 'taken'));
      const f1 = w.create(here, nm('taken'));
      fs.writeFileSync(taken, 'someone else');
      await w.write(f1, Buffer.from('ours'));
      w.finish(f1, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_600_000_000_000_000_000n });
      const f2 = w.create(here, nm('free'));
      await w.write(f2, Buffer.from('ours'));
      w.finish(f2, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_600_000_000_000_000_000n });
      await w.drain();
      expect(w.skippedFiles).toEqual([`/taken: could not be restored (EEXIST)`]);
    } finally {
      await w.close();
    }
    expect(fs.readFileSync(path.join(dir, 'taken'), 'utf8')).toBe('someone else');
    expect(fs.readFileSync(path.join(dir, 'free'), 'utf8')).toBe('ours');
    expect(fs.readdirSync(dir).sort()).toEqual(['free', 'taken']);
  });

  test('a directory swapped for a symbolic link after it was made: nothing is written through it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-fw-outside-'));
    fs.mkdirSync(path.join(dir, 'sub'));
    const w = new FileWriter(base);
    try {
      fs.rmdirSync(path.join(dir, 'sub'));
      fs.symlinkSync(outside, path.join(dir, 'sub'));
      const f = w.create(nm('sub'), nm('passwd'));
      await w.write(f, nm('pwned'));
      w.finish(f, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_000_000_000n });
      await w.drain();
      expect(w.skippedFiles).toEqual([
        expect.stringMatching(
          /^\/sub\/passwd: could not be restored \(its directory was replaced by a symbolic link or a file while it was being restored \((ELOOP|ENOTDIR)\); nothing was written through it\)$/,
        ),
      ]);
    } finally {
      await w.close();
    }
    expect(fs.readdirSync(outside)).toEqual([]);
    fs.rmSync(outside, { recursive: true });
  });

  test('files a replaced directory refuses are listed a few at a time, then counted: one line per directory and reason', async () => {
    fs.mkdirSync(path.join(dir, 'sub'));
    const w = new FileWriter(base);
    try {
      fs.rmdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'sub'), 'a file now');
      for (let i = 0; i < 12; i++) {
        const f = w.create(nm('sub'), nm(`f${i}`));
        w.finish(f, { uid: -1, gid: -1, mode: 0o644, mtimeNs: 1_000_000_000n });
      }
      await w.drain();
    } finally {
      await w.close();
    }
    expect(w.skippedCount).toBe(12);
    expect(w.skippedFiles).toHaveLength(6);
    expect(w.skippedFiles.slice(0, 5).every((l) => /^\/sub\/f\d+: could not be restored \(its directory was replaced/.test(l))).toBe(true);
    expect(w.skippedFiles[5]).toMatch(/^\/sub: 7 more files in it could not be restored \(its directory was replaced/);
  });

  test('a hard link whose first name was replaced meanwhile is not made to the file put there', async () => {
    const w = new FileWriter(base);
    try {
      const f = w.create(here, nm('first'));
      await w.write(f, nm('ours'));
      w.finish(f, { uid: -1, gid: -1, mode: 0o600, mtimeNs: 1_000_000_000n, linkGroup: 3 });
      await w.drain();
      // A local user's own file in its place (inode numbers are reused: it may well get the same one).
      fs.rmSync(path.join(dir, 'first'));
      fs.writeFileSync(path.join(dir, 'first'), 'someone else');
      fs.chownSync(path.join(dir, 'first'), 65534, 65534);
      w.link(3, here, nm('second'));
      w.link(4, here, nm('orphan')); // a group whose first name never came
      await w.drain();
      expect(w.skippedFiles).toEqual([
        `/second: could not be restored (/first was replaced meanwhile; not linked)`,
        `/orphan: could not be restored (its first name could not be restored)`,
      ]);
    } finally {
      await w.close();
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['first']);
  });

  test('a replacement (--overwrite) that never completes leaves the file it would have replaced; one that completes replaces it', async () => {
    fs.writeFileSync(path.join(dir, 'live.db'), 'the live data');
    const cut = new FileWriter(base);
    const f = cut.create(here, nm('live.db'), { replace: true });
    await cut.write(f, Buffer.alloc(100_000, 1));
    await cut.drain();
    await cut.close(); // killed here, or the disk filled up: no finish
    expect(fs.readFileSync(path.join(dir, 'live.db'), 'utf8')).toBe('the live data');
    const w = new FileWriter(base);
    try {
      const g = w.create(here, nm('live.db'), { replace: true });
      await w.write(g, nm('restored'));
      w.finish(g, { uid: -1, gid: -1, mode: 0o640, mtimeNs: 1_000_000_000n });
      await w.drain();
      expect(w.skippedFiles).toEqual([]);
    } finally {
      await w.close();
    }
    expect(fs.readFileSync(path.join(dir, 'live.db'), 'utf8')).toBe('restored');
    expect(fs.readdirSync(dir)).toEqual(['live.db']);
  });
});
