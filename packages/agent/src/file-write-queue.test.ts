import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileWriteQueue } from './file-write-queue';

describe('file write queue', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-fwq-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('many files written at once each get exactly their bytes, in order, with the final step applied', async () => {
    const q = new FileWriteQueue({ files: 4, bytes: 64 * 1024 });
    const expected = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) {
      const pieces = Array.from({ length: 1 + (i % 5) }, () => crypto.randomBytes(1 + crypto.randomInt(50_000)));
      const dest = path.join(dir, `f${i}`);
      const f = await q.create(Buffer.from(dest));
      for (const p of pieces) await f.write(p);
      f.end(async (fd) => new Promise<void>((res, rej) => fs.fchmod(fd, 0o640, (e) => (e ? rej(e) : res()))));
      expected.set(dest, Buffer.concat(pieces));
    }
    await q.drain();
    for (const [dest, want] of expected) {
      expect(fs.readFileSync(dest).equals(want)).toBe(true);
      expect(fs.statSync(dest).mode & 0o777).toBe(0o640);
    }
  });

  test('a file that cannot be created fails the queue with its reason, and never replaces an existing file', async () => {
    fs.writeFileSync(path.join(dir, 'exists'), 'mine');
    const q = new FileWriteQueue();
    const f = await q.create(Buffer.from(path.join(dir, 'exists')));
    await f.write(Buffer.from('theirs')).catch(() => undefined);
    f.end(async () => undefined);
    await expect(q.drain()).rejects.toThrow(/EEXIST/);
    expect(fs.readFileSync(path.join(dir, 'exists'), 'utf8')).toBe('mine');
    await expect(q.create(Buffer.from(path.join(dir, 'later')))).rejects.toThrow(/EEXIST/);
  });
});
