import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileDurably, replaceFileDurably } from './durable-fs';

// The module object itself, so a spy on it reaches durable-fs's calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as typeof fs;

describe('files written durably', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-'))));
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create refuses an existing file; replace swaps the content whole', () => {
    const file = path.join(dir, 'f');
    createFileDurably(file, 'one', 0o600);
    expect(() => createFileDurably(file, 'two')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    replaceFileDurably(file, 'three', 0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('three');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });

  test('a replace whose write fails (a full disk) keeps the old content and leaves no debris', () => {
    const file = path.join(dir, 'f');
    replaceFileDurably(file, 'old');
    jest.spyOn(nodeFs, 'writeFileSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    expect(() => replaceFileDurably(file, 'new')).toThrow(/ENOSPC/);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });
});
