/**
 * Fidelity: a tree holding every kind of file and every attribute a backup
 * must keep, and the comparison that tells whether a restore gave it back
 * (rsync's, which looks at more than snapshotTree does: owners, hard
 * links, device numbers, ACLs, extended attributes, nanoseconds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '../random';

/** What buildFidelityTree made, and what it left out (and why). */
export interface FidelityTree {
  root: string;
  /** Parts the machine or the user could not make ("device nodes: not root"). */
  skipped: string[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** A uid and gid no account on any test machine has: a restore must keep them as numbers. */
export const UNMAPPED_UID = 4_242_424;
export const UNMAPPED_GID = 4_242_425;
const NOBODY = 65_534;

/** Metadata that needs raw-byte paths, or calls node lacks, applied by one python3 run (os.* takes bytes, never follows a symlink here). */
type PyOp =
  | { op: 'mkfifo'; path: string; mode: number }
  | { op: 'mknod'; path: string; mode: number; kind: 'char' | 'block'; major: number; minor: number }
  | { op: 'socket'; path: string }
  | { op: 'lchown'; path: string; uid: number; gid: number }
  | { op: 'setxattr'; path: string; name: string; value: string }
  | { op: 'copyxattr'; path: string; from: string; name: string }
  | { op: 'utime'; path: string; ns: string };

const PY_APPLY = `
import json, os, socket, stat, sys
h = bytes.fromhex
for o in json.load(sys.stdin):
    p = h(o['path'])
    k = o['op']
    if k == 'mkfifo':
        os.mkfifo(p, o['mode'])
    elif k == 'mknod':
        kind = stat.S_IFCHR if o['kind'] == 'char' else stat.S_IFBLK
        os.mknod(p, kind | o['mode'], os.makedev(o['major'], o['minor']))
    elif k == 'socket':
        here = os.getcwd()
        os.chdir(os.path.dirname(p))
        s = socket.socket(socket.AF_UNIX)
        s.bind(os.path.basename(p))
        s.close()
        os.chdir(here)
    elif k == 'lchown':
        os.lchown(p, o['uid'], o['gid'])
    elif k == 'setxattr':
        os.setxattr(p, h(o['name']), h(o['value']), follow_symlinks=False)
    elif k == 'copyxattr':
        os.setxattr(p, h(o['name']), os.getxattr(h(o['from']), h(o['name']), follow_symlinks=False), follow_symlinks=False)
    elif k == 'utime':
        ns = int(o['ns'])
        os.utime(p, ns=(ns, ns), follow_symlinks=False)
`;

function hex(p: Buffer | string): string {
  return Buffer.from(p).toString('hex');
}

/** Bytes from text and byte values (names that are not UTF-8). */
function raw(...parts: Array<string | number[]>): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
}

/**
 * Builds under `root` (made here; it must not exist) a tree with every
 * file type and attribute a backup keeps, as root (what cannot be made
 * otherwise is listed in `skipped`):
 *
 * - regular files: empty, small, of several chunks, sparse (holes inside
 *   and at the end, and one that starts with a hole); directories, empty
 *   and nested, one 0500; symlinks to a file, to a directory, absolute,
 *   dangling; hard links (three names in two directories); a FIFO; a
 *   character and a block device; a socket;
 * - setuid, setgid and sticky bits on files and directories, mode 0000;
 * - owners root, nobody and an unmapped uid/gid (UNMAPPED_UID), on files,
 *   a directory and a symlink;
 * - mtimes to the nanosecond, before 1970 too, on everything (symlinks
 *   included);
 * - names with a newline, bytes that are not UTF-8, a leading dash,
 *   leading and trailing spaces, a backslash, and names of 255 bytes (a
 *   file, and a directory holding one);
 * - user. attributes with binary and empty values and a name that is not
 *   UTF-8, trusted. and security. attributes (an SELinux-style label) on
 *   files, directories and symlinks, a file capability (setcap, as
 *   gst-ptp-helper has), POSIX access and default ACLs (setfacl), an ACL
 *   on a file whose name is not UTF-8.
 *
 * Needs python3, setfacl (acl) and setcap (libcap2-bin); Makefile's
 * test-deps installs them.
 */
export function buildFidelityTree(root: string, seed = 'fidelity'): FidelityTree {
  const isRoot = process.getuid?.() === 0;
  const skipped: string[] = [];
  const rnd = new SeededRandom(seed);
  const ops: PyOp[] = [];
  const at = (...parts: Array<string | Buffer>): Buffer => Buffer.concat([Buffer.from(root), ...parts.flatMap((p) => [Buffer.from('/'), Buffer.from(p)])]);
  const mkdir = (p: Buffer, mode = 0o755) => {
    fs.mkdirSync(p);
    fs.chmodSync(p, mode);
  };
  const write = (p: Buffer, data: string | Buffer, mode = 0o644) => {
    fs.writeFileSync(p, data);
    fs.chmodSync(p, mode);
  };
  const xattr = (p: Buffer, name: string | Buffer, value: string | Buffer) => ops.push({ op: 'setxattr', path: hex(p), name: hex(name), value: hex(value) });

  fs.mkdirSync(root);
  fs.chmodSync(root, 0o755);

  // Regular files.
  mkdir(at('files'));
  write(at('files', 'empty'), '');
  write(at('files', 'small'), 'hello\n');
  write(at('files', 'several-chunks'), rnd.bytes(3 * MiB + 12345));
  const sparse = (name: string, extents: Array<[number, number]>, size: number) => {
    const fd = fs.openSync(at('files', name), 'w');
    for (const [offset, length] of extents) fs.writeSync(fd, rnd.bytes(length), 0, length, offset);
    fs.ftruncateSync(fd, size);
    fs.closeSync(fd);
  };
  sparse(
    'sparse',
    [
      [0, 8 * KiB],
      [5 * MiB, 4 * KiB],
      [9 * MiB + 100, 3000],
    ],
    24 * MiB,
  );
  sparse('sparse-hole-first', [[2 * MiB, 64 * KiB]], 2 * MiB + 64 * KiB);
  sparse('all-hole', [], 8 * MiB);

  // Directories.
  mkdir(at('dirs'));
  mkdir(at('dirs', 'empty'));
  mkdir(at('dirs', 'nested'));
  mkdir(at('dirs', 'nested', 'a'));
  mkdir(at('dirs', 'nested', 'a', 'b'));
  write(at('dirs', 'nested', 'a', 'b', 'deep'), 'deep\n');
  mkdir(at('dirs', 'read-only'));
  write(at('dirs', 'read-only', 'inside'), 'inside a 0500 directory\n');

  // Symlinks (their own owner, times and attributes come below).
  mkdir(at('links'));
  fs.symlinkSync('../files/small', at('links', 'to-file'));
  fs.symlinkSync('../dirs/nested', at('links', 'to-dir'));
  fs.symlinkSync('/etc/hostname', at('links', 'absolute'));
  fs.symlinkSync('/nonexistent/target', at('links', 'dangling'));
  fs.symlinkSync(raw('target-', [0xff, 0x0a], '-odd'), at('links', 'odd-target'));

  // Hard links: three names, two directories.
  mkdir(at('hard'));
  write(at('hard', 'one'), rnd.bytes(100 * KiB));
  fs.linkSync(at('hard', 'one'), at('hard', 'two'));
  fs.linkSync(at('hard', 'one'), at('dirs', 'nested', 'third-name'));

  // Special files.
  mkdir(at('special'));
  ops.push({ op: 'mkfifo', path: hex(at('special', 'fifo')), mode: 0o640 });
  ops.push({ op: 'socket', path: hex(at('special', 'socket')) });
  if (isRoot) {
    ops.push({ op: 'mknod', path: hex(at('special', 'char-null')), mode: 0o666, kind: 'char', major: 1, minor: 3 });
    ops.push({ op: 'mknod', path: hex(at('special', 'block-loop')), mode: 0o660, kind: 'block', major: 7, minor: 200 });
  } else skipped.push('device nodes: not root');

  // Names.
  mkdir(at('names'));
  const names = [
    raw('line\nbreak'),
    raw('not-utf8-', [0xff, 0xfe, 0xc3, 0x28]),
    raw('-leading-dash'),
    raw(' leading space'),
    raw('trailing space '),
    raw('back\\slash'),
    raw('x'.repeat(251), '.txt'),
    // Names a restore's own temporary names could take, each beside the file it would shadow.
    raw('plain'),
    raw('.plain.cpsbackup-partial'),
    raw('.plain.cpsbackup-partial-0123456789abcdef'),
    raw('.cpsbackup-partial-', [0x30], 'f'.repeat(31)),
  ];
  for (const n of names) write(at('names', n), `named ${hex(n)}\n`);
  const longDir = raw('d'.repeat(255));
  mkdir(at('names', longDir));
  write(at('names', longDir, raw('f'.repeat(255))), 'a 255-byte name in a 255-byte name\n');

  // Modes, set after owners (chown clears setuid and setgid).
  mkdir(at('modes'));
  const modes: Array<[Buffer, number]> = [
    [at('modes', 'setuid'), 0o4755],
    [at('modes', 'setgid'), 0o2755],
    [at('modes', 'sticky-file'), 0o1644],
    [at('modes', 'all-bits'), 0o7777],
    [at('modes', 'none'), 0o000],
  ];
  for (const [p] of modes) write(p, '#!/bin/sh\n');
  mkdir(at('modes', 'sticky-dir'));
  mkdir(at('modes', 'setgid-dir'));
  modes.push([at('modes', 'sticky-dir'), 0o1777], [at('modes', 'setgid-dir'), 0o2775]);

  // Owners.
  mkdir(at('owners'));
  write(at('owners', 'root'), 'r');
  write(at('owners', 'nobody'), 'n');
  write(at('owners', 'unmapped'), 'u');
  mkdir(at('owners', 'unmapped-dir'));
  fs.symlinkSync('unmapped', at('owners', 'unmapped-link'));
  if (isRoot) {
    ops.push({ op: 'lchown', path: hex(at('owners', 'root')), uid: 0, gid: 0 });
    ops.push({ op: 'lchown', path: hex(at('owners', 'nobody')), uid: NOBODY, gid: NOBODY });
    for (const n of ['unmapped', 'unmapped-dir', 'unmapped-link']) ops.push({ op: 'lchown', path: hex(at('owners', n)), uid: UNMAPPED_UID, gid: UNMAPPED_GID });
    ops.push({ op: 'lchown', path: hex(at('modes', 'setuid')), uid: NOBODY, gid: NOBODY });
    ops.push({ op: 'lchown', path: hex(at('modes', 'setgid')), uid: UNMAPPED_UID, gid: UNMAPPED_GID });
  } else skipped.push('owners: not root');

  // Extended attributes, ACLs, capabilities.
  mkdir(at('xattrs'));
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  write(at('xattrs', 'user'), 'user attributes\n');
  xattr(at('xattrs', 'user'), 'user.binary', allBytes);
  xattr(at('xattrs', 'user'), 'user.empty', '');
  xattr(at('xattrs', 'user'), raw('user.not-utf8-', [0xff, 0xfe]), raw([0x00, 0x0a]));
  xattr(at('xattrs', 'user'), 'user.big', rnd.bytes(3000));
  mkdir(at('xattrs', 'dir'));
  xattr(at('xattrs', 'dir'), 'user.on-a-dir', 'd');
  const oddName = at('xattrs', raw('odd-', [0xe9, 0x0a], '-name'));
  write(oddName, 'attributes on a name that is not UTF-8\n');
  xattr(oddName, 'user.x', 'y');
  if (isRoot) {
    write(at('xattrs', 'trusted'), 'trusted attributes\n');
    xattr(at('xattrs', 'trusted'), 'trusted.t', raw([0, 1, 2, 0xff]));
    xattr(at('xattrs', 'trusted'), 'security.selinux', 'system_u:object_r:bin_t:s0\0');
    xattr(at('xattrs', 'dir'), 'trusted.on-a-dir', 'td');
    xattr(at('xattrs', 'dir'), 'security.selinux', 'system_u:object_r:etc_t:s0\0');
    fs.symlinkSync('trusted', at('xattrs', 'link'));
    // The kernel takes no user. attribute on a symlink; trusted. and security. ones it does.
    xattr(at('xattrs', 'link'), 'trusted.on-a-link', 'tl');
    xattr(at('xattrs', 'link'), 'security.selinux', 'system_u:object_r:bin_t:s0\0');
  } else skipped.push('trusted. and security. attributes: not root');

  mkdir(at('acl'));
  write(at('acl', 'file'), 'an access ACL\n');
  mkdir(at('acl', 'dir'));
  write(at('acl', 'odd-source'), '');
  const aclOdd = at('acl', raw('acl-', [0xff], '-odd'));
  write(aclOdd, 'an ACL on a name that is not UTF-8\n');
  mkdir(at('caps'));
  write(at('caps', 'gst-ptp-helper'), '#!/bin/sh\n', 0o755);
  write(at('caps', 'setuid-and-cap'), '#!/bin/sh\n', 0o755);

  // Made by python3 (raw-byte paths, mknod, sockets, lchown, attributes); ACLs and capabilities by their own tools.
  applyPy(ops.splice(0));
  for (const [p, mode] of modes) fs.chmodSync(p, mode);
  fs.chmodSync(at('dirs', 'read-only'), 0o500);
  execFileSync('setfacl', ['-m', `u:nobody:rw,u:${UNMAPPED_UID}:r,g:nogroup:r,m::rw`, at('acl', 'file').toString()]);
  execFileSync('setfacl', ['-m', 'u:nobody:rwx', at('acl', 'dir').toString()]);
  execFileSync('setfacl', ['-d', '-m', `u:nobody:rx,g:${UNMAPPED_GID}:r`, at('acl', 'dir').toString()]);
  execFileSync('setfacl', ['-m', 'u:nobody:r', at('acl', 'odd-source').toString()]);
  ops.push({ op: 'copyxattr', path: hex(aclOdd), from: hex(at('acl', 'odd-source')), name: hex('system.posix_acl_access') });
  if (isRoot) {
    execFileSync('/usr/sbin/setcap', ['cap_net_bind_service,cap_net_admin=ep', at('caps', 'gst-ptp-helper').toString()]);
    fs.chmodSync(at('caps', 'setuid-and-cap'), 0o4755);
    execFileSync('/usr/sbin/setcap', ['cap_sys_time+ep', at('caps', 'setuid-and-cap').toString()]);
  } else skipped.push('file capabilities: not root');

  // Times last, deepest first (making an entry changes its directory's mtime): odd nanoseconds, one before 1970.
  const all: Buffer[] = [];
  const visit = (p: Buffer) => {
    all.push(p);
    if (fs.lstatSync(p).isDirectory()) for (const n of fs.readdirSync(p, { encoding: 'buffer' })) visit(Buffer.concat([p, Buffer.from('/'), n]));
  };
  visit(Buffer.from(root));
  all.reverse().forEach((p, i) => {
    const ns = p.toString().endsWith('/files/small') ? -1_234_567_890_123_456_789n : 1_700_000_000_000_000_001n + BigInt(i) * 1_000_003_117n;
    ops.push({ op: 'utime', path: hex(p), ns: ns.toString() });
  });
  applyPy(ops);
  return { root, skipped };
}

function applyPy(ops: PyOp[]): void {
  const r = spawnSync('python3', ['-S', '-c', PY_APPLY], { input: JSON.stringify(ops), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the fidelity tree: python3 failed (${r.error?.message ?? r.stderr})`);
}

/**
 * The differences rsync finds between two trees, one itemized line each
 * (`.f........x name`: an extended attribute differs; `a`: an ACL; `t`:
 * the mtime, to the nanosecond; `o`/`g`: owner; `p`: permissions; `hf`: a
 * hard link; `*deleting`: only in `dst`; `>f+++++++++`/`cL+++`…: only in
 * `src`). Empty: the trees are the same in content, type, permissions,
 * owners (by number), hard links, device numbers, ACLs, extended
 * attributes (every namespace but system. as root, user. otherwise) and
 * mtimes to the nanosecond. Nothing is changed (a dry run). Beyond
 * `rsync -aHAXn --numeric-ids --itemize-changes --delete`: --checksum (a
 * restore sets the mtime it recorded, so size and mtime alone would pass
 * wrong content) and --modify-window=-1 (nanoseconds, not whole seconds).
 */
export function rsyncDiff(src: string, dst: string): string[] {
  const r = spawnSync(
    'rsync',
    [
      '-aHAXn',
      '--checksum',
      '--numeric-ids',
      '--itemize-changes',
      '--delete',
      '--modify-window=-1',
      `${src.replace(/\/$/, '')}/`,
      `${dst.replace(/\/$/, '')}/`,
    ],
    { encoding: 'utf8' },
  );
  if (r.error) throw new Error(`rsync could not run (${r.error.message}): install it (make test-deps)`);
  if (r.status !== 0) throw new Error(`rsync ${src} ${dst} failed with ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

/**
 * The kinds of difference rsyncDiff does NOT see on this machine, each
 * tried on a pair of small trees under `scratch` that differ in that one
 * thing (and a pair that differ in nothing must show nothing): a
 * comparison that cannot see an extended attribute would pass a restore
 * that lost them all. As root every kind is tried; otherwise those that
 * need root are left out.
 */
export function rsyncBlindSpots(scratch: string): string[] {
  const isRoot = process.getuid?.() === 0;
  const xattr = (file: string, name: string, value: string | Buffer): void =>
    applyPy([{ op: 'setxattr', path: hex(file), name: hex(name), value: hex(value) }]);
  // What one side gets; `late` ones come after the times are set (the others change an mtime too, which is set back).
  const cases: Array<{ what: string; change: (dir: string) => void; late?: boolean }> = [
    { what: 'nothing (identical trees)', change: () => undefined },
    { what: 'a user. attribute value', change: (d) => xattr(`${d}/f`, 'user.a', Buffer.from([0, 0xff])) },
    { what: 'file content of the same size', change: (d) => fs.writeFileSync(`${d}/f`, 'X') },
    { what: 'an mtime by one nanosecond', change: (d) => applyPy([{ op: 'utime', path: hex(`${d}/f`), ns: '1600000000000000002' }]), late: true },
    { what: 'a permission bit', change: (d) => fs.chmodSync(`${d}/f`, 0o4644) },
    { what: 'an access ACL', change: (d) => execFileSync('setfacl', ['-m', 'u:nobody:r', `${d}/f`]) },
    { what: 'a default ACL', change: (d) => execFileSync('setfacl', ['-d', '-m', 'u:nobody:r', `${d}/dir`]) },
    { what: 'a hard link', change: (d) => (fs.rmSync(`${d}/g`), fs.linkSync(`${d}/f`, `${d}/g`)) },
    { what: 'a symlink target', change: (d) => (fs.rmSync(`${d}/l`), fs.symlinkSync('g', `${d}/l`)) },
    { what: 'an extra file', change: (d) => fs.writeFileSync(`${d}/extra`, 'x') },
  ];
  if (isRoot) {
    cases.push(
      { what: 'a trusted. attribute', change: (d) => xattr(`${d}/f`, 'trusted.t', '1') },
      { what: 'a security.capability', change: (d) => execFileSync('/usr/sbin/setcap', ['cap_net_admin=ep', `${d}/f`]) },
      { what: 'a security. label', change: (d) => xattr(`${d}/f`, 'security.selinux', 'x\0') },
      { what: "a symlink's trusted. attribute", change: (d) => xattr(`${d}/l`, 'trusted.t', '1') },
      { what: "a directory's trusted. attribute", change: (d) => xattr(`${d}/dir`, 'trusted.t', '1') },
      { what: 'an owner', change: (d) => fs.lchownSync(`${d}/f`, UNMAPPED_UID, 0) },
      { what: "a symlink's owner", change: (d) => fs.lchownSync(`${d}/l`, UNMAPPED_UID, 0) },
    );
  }
  const blind: string[] = [];
  cases.forEach(({ what, change, late }, i) => {
    const [a, b] = ['a', 'b'].map((side) => {
      const d = path.join(scratch, `case-${i}-${side}`);
      fs.mkdirSync(d);
      fs.writeFileSync(`${d}/f`, 'x');
      fs.writeFileSync(`${d}/g`, 'x');
      fs.mkdirSync(`${d}/dir`);
      fs.symlinkSync('f', `${d}/l`);
      return d;
    }) as [string, string];
    if (!late) change(a);
    const all = [a, b].flatMap((d) => [...fs.readdirSync(d).map((n) => `${d}/${n}`), d]);
    applyPy(all.map((p) => ({ op: 'utime', path: hex(p), ns: '1600000000000000001' })));
    if (late) change(a);
    const seen = rsyncDiff(a, b).length > 0;
    if (i === 0 && seen) blind.push(`${what}: rsync reports differences`);
    if (i > 0 && !seen) blind.push(what);
  });
  return blind;
}
