import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fsTypeName, parseFsType } from './fs-types';
import { loadNodeConfig } from './schemas';

describe("node.conf's file-system keys (Burp's cross_filesystem, cross_all_filesystems, exclude_fs, include_fs)", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsfs-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const load = (text: string) => {
    const file = path.join(dir, 'node.conf');
    fs.writeFileSync(file, `server = x\ncname = n\n${text}`);
    return loadNodeConfig(file, 'h');
  };

  test('are keys of their own, no longer "not implemented" warnings; by default nothing is crossed and no type left out', () => {
    const d = load('');
    expect([d.cross_all_filesystems, d.cross_filesystem, d.exclude_fs, d.include_fs]).toEqual([false, [], [], []]);
    const c = load(
      'cross_filesystem = /home\ncross_filesystem = /data/\ncross_all_filesystems = 1\nexclude_fs = tmpfs\nexclude_fs = SysFS\ninclude_fs = ext4\n',
    );
    expect(c.warnings).toEqual([]);
    expect(c.cross_filesystem).toEqual(['/home', '/data']);
    expect(c.cross_all_filesystems).toBe(true);
    expect(c.exclude_fs).toEqual([
      { name: 'tmpfs', magic: 0x01021994 },
      { name: 'sysfs', magic: 0x62656572 },
    ]);
    expect(c.include_fs).toEqual([{ name: 'ext4', magic: 0xef53 }]);
  });

  test("types are statfs's numbers: Burp's names, names the kernel does not tell apart share one, 0x… numbers taken", () => {
    for (const [name, magic] of [
      ['proc', 0x9fa0],
      ['nfs', 0x6969],
      ['nfs4', 0x6969],
      ['ext3', 0xef53],
      ['devtmpfs', 0x01021994],
      ['cifs', 0xff534d42],
      ['btrfs', 0x9123683e],
      ['xfs', 0x58465342],
      ['fuse.sshfs', 0x65735546],
      ['fuse.anything', 0x65735546],
      ['0x1021994', 0x01021994],
      ['0XEF53', 0xef53],
    ] as const) {
      expect([name, parseFsType(name).magic]).toEqual([name, magic]);
    }
    expect(fsTypeName(0xef53)).toBe('ext4/ext3/ext2');
    expect(fsTypeName(0x12345678)).toBe('0x12345678');
  });

  test('an unknown type, an empty one or a bad number is an error naming the file, the line, the key and the known names', () => {
    for (const bad of ['tmpfss', 'fuse.', '0x', '0x123456789', '']) {
      expect(() => load(`exclude_fs = ${bad}\n`)).toThrow(/node\.conf:3: exclude_fs: unknown file-system type .*give one of .*\btmpfs\b.*0x1021994 for tmpfs/);
    }
    expect(() => load('include_fs = ext5\n')).toThrow(/node\.conf:3: include_fs: unknown file-system type "ext5"/);
    expect(() => load('cross_all_filesystems = yes please\n')).toThrow(/cross_all_filesystems: expected 0 or 1/);
  });
});
