import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ZSTD_LEVEL } from '@cpsbackup/format';
import { tempDir } from '@cpsbackup/testkit';
import { backupFloor, type ComputeCosts } from './floor';

// One "second" per byte cut: a floor's `cut` part is then the bytes it read.
const PER_BYTE: ComputeCosts = {
  sampleBytes: 1,
  sampleFiles: 1,
  cutPerByte: 1,
  hashPerByte: 0,
  levels: [{ level: DEFAULT_ZSTD_LEVEL, probe: true, compressPerByte: 0, decodePerByte: 0, ratio: 1 }],
};

describe('backup floor', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('floor');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'a'), Buffer.alloc(1000, 1));
    fs.writeFileSync(path.join(dir, 'sub', 'b'), Buffer.alloc(2000, 2));
    fs.writeFileSync(path.join(dir, 'sub', 'c'), Buffer.alloc(3000, 3));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a later backup reads only the files whose stat changed since the one before, as a tool does', async () => {
    const first = await backupFloor(dir, PER_BYTE, 'all', { cores: 2 });
    expect(first.parts.cut).toBe(6000);

    const nothing = await backupFloor(dir, PER_BYTE, 0, { cores: 2, previous: first.seen });
    expect(nothing.parts.cut).toBe(0);

    fs.appendFileSync(path.join(dir, 'sub', 'b'), Buffer.alloc(10, 9)); // content changed
    fs.writeFileSync(path.join(dir, 'd'), Buffer.alloc(500, 4)); // new
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(path.join(dir, 'a'), old, old); // only its mtime: read again
    const changed = await backupFloor(dir, PER_BYTE, 0, { cores: 2, previous: nothing.seen });
    expect(changed.parts.cut).toBe(2010 + 500 + 1000);

    const again = await backupFloor(dir, PER_BYTE, 0, { cores: 2, previous: changed.seen });
    expect(again.parts.cut).toBe(0);
  });
});
