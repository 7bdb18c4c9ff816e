import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PidLockFile } from './pid-lock';

// The module object itself (not the namespace copy of it above), so a spy on it reaches pid-lock's calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as typeof fs;

describe('PidLockFile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pidlock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('is held against others while its owner lives, and written whole', () => {
    const file = path.join(dir, 'lock');
    const got = PidLockFile.tryAcquire(file);
    expect(got).toBeInstanceOf(PidLockFile);
    expect(fs.readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} ${os.hostname()} \\S+\\n$`));
    expect(fs.readdirSync(dir)).toEqual(['lock']); // no temporary file left behind
    (got as PidLockFile).release();
    expect(fs.existsSync(file)).toBe(false);
  });

  test('a write that fails (a full disk) leaves nothing behind, and the next try takes the lock', () => {
    const file = path.join(dir, 'lock');
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const write = jest.spyOn(nodeFs, 'writeFileSync').mockImplementationOnce(() => {
      throw full;
    });
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000); // both tries in the same millisecond
    try {
      expect(() => PidLockFile.tryAcquire(file)).toThrow(full);
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(PidLockFile.tryAcquire(file)).toBeInstanceOf(PidLockFile);
      expect(fs.readdirSync(dir)).toEqual(['lock']);
    } finally {
      write.mockRestore();
      now.mockRestore();
    }
  });

  test('a live holder of this boot keeps it', () => {
    const file = path.join(dir, 'lock');
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    fs.writeFileSync(file, `1 ${os.hostname()} ${boot}\n`); // pid 1 is always alive
    expect(PidLockFile.tryAcquire(file)).toEqual({ pid: 1, host: os.hostname() });
  });

  test.each([
    ['empty (a power cut while an older version wrote it)', () => ''],
    ['garbage', () => '\0\0\0\0'],
    ['left by a dead process', () => `${deadPid()} ${os.hostname()}\n`],
    ['left by a live pid of an earlier boot (pids are reused after a reboot)', () => `1 ${os.hostname()} 00000000-0000-0000-0000-000000000000\n`],
  ])('a lock file %s is taken over', (_what, content) => {
    const file = path.join(dir, 'lock');
    fs.writeFileSync(file, content());
    expect(PidLockFile.tryAcquire(file)).toBeInstanceOf(PidLockFile);
  });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}
