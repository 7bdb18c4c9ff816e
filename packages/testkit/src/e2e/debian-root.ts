/**
 * A clean Debian root to install packages into, as on a fresh machine:
 * made once per suite by debootstrap (minbase) from the host's Debian
 * mirror, cached as a tarball outside the checkout, unpacked into a
 * temporary directory for each test file, entered with chroot.
 *
 * Every command runs in its own mount namespace (unshare --mount) where
 * /proc, /sys (read-only), a minimal /dev and its own /dev/pts are mounted into the root:
 * the mounts end with the command, however it ends (even a test killed by
 * SIGKILL leaves none on the host), and dispose() still checks that none
 * is left before it deletes the root, never crossing into another file
 * system. Needs root and debootstrap (make test-deps installs it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../temp-dir';

export type DebianSuite = 'bookworm' | 'trixie';

/** Where the roots' tarballs are kept between runs (CPSBACKUP_DEBOOTSTRAP_CACHE overrides). */
export const DEBOOTSTRAP_CACHE = process.env.CPSBACKUP_DEBOOTSTRAP_CACHE ?? '/var/cache/cpsbackup-test/debootstrap';

/** A cached root whose package lists are older than this gets `apt-get update` (a point release removes the versions they name). */
const LISTS_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Run inside a private mount namespace: mounts /proc, /sys, a tmpfs /dev
 * with the usual nodes, then chroot. $1 is the root, the rest the command.
 */
const ENTER = `set -eu
R="$1"; shift
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
mount -t tmpfs -o mode=0755,size=16m dev "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3; mknod -m 666 "$R/dev/zero" c 1 5; mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8; mknod -m 666 "$R/dev/urandom" c 1 9; mknod -m 666 "$R/dev/tty" c 5 0
ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"; ln -s pts/ptmx "$R/dev/ptmx"
exec chroot "$R" "$@"
`;

/** The host's Debian mirror (its apt sources), so the roots come from where this machine's packages do. */
export function debianMirror(): string {
  if (process.env.CPSBACKUP_DEBIAN_MIRROR) return process.env.CPSBACKUP_DEBIAN_MIRROR;
  const dirs = ['/etc/apt/sources.list.d'];
  const files = ['/etc/apt/sources.list', ...dirs.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).map((f) => path.join(d, f)) : []))];
  for (const file of files.filter((f) => /\.(sources|list)$/.test(f) && fs.existsSync(f))) {
    const text = fs.readFileSync(file, 'utf8');
    // deb822 (URIs: …) or one-line (deb URL suite …); the main archive, not security's.
    for (const m of text.matchAll(/^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)) {
      const uri = m[1]!.replace(/\/$/, '');
      if (/\/debian$/.test(uri)) return uri;
    }
  }
  return 'http://deb.debian.org/debian';
}

/** The output of one command run in the root. */
export interface RootResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(argv: string[], what: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${what}: ${argv.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout).slice(-4000)}`);
}

/** Mount points at or under `dir`, from this process's mount table. */
export function mountsUnder(dir: string): string[] {
  const table = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  return table
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(dir + '/')));
}

export class DebianRoot {
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly suite: DebianSuite,
    /** The root on the host. */
    readonly dir: string,
  ) {}

  /** The cached tarball of `suite`'s root. */
  static tarball(suite: DebianSuite): string {
    return path.join(DEBOOTSTRAP_CACHE, `${suite}.tar.zst`);
  }

  /**
   * A fresh root of `suite`: the cached one unpacked (made first when there
   * is none: debootstrap downloads it once). Its package lists are current
   * enough for apt to resolve a package's Depends from the mirror.
   */
  static open(suite: DebianSuite): DebianRoot {
    if (process.getuid?.() !== 0) throw new Error('a Debian root needs root (debootstrap, chroot, mount)');
    const tarball = DebianRoot.tarball(suite);
    const stale = fs.existsSync(tarball) && Date.now() - fs.statSync(tarball).mtimeMs > LISTS_MAX_AGE_MS;
    if (!fs.existsSync(tarball)) DebianRoot.make(suite);
    const root = new DebianRoot(suite, path.join(tempDir(`debian-${suite}`), 'root'));
    fs.mkdirSync(root.dir);
    try {
      sh(['tar', '--zstd', '--numeric-owner', '-xpf', tarball, '-C', root.dir], `unpacking the ${suite} root`);
      if (stale) {
        root.mustRun(['apt-get', 'update', '-q'], 'refreshing the package lists of the cached root');
        DebianRoot.save(root.dir, tarball);
      }
    } catch (err) {
      spawnSync('rm', ['-rf', '--one-file-system', path.dirname(root.dir)]);
      throw err;
    }
    return root;
  }

  /** debootstrap (minbase) from the host's mirror, its package lists fetched, saved as the cached tarball. */
  private static make(suite: DebianSuite): void {
    if (!fs.existsSync('/usr/sbin/debootstrap')) throw new Error('debootstrap is missing: run make test-deps (apt-get install debootstrap)');
    fs.mkdirSync(DEBOOTSTRAP_CACHE, { recursive: true });
    // In the cache directory: the tarball is renamed into place on the same file system.
    const work = fs.mkdtempSync(path.join(DEBOOTSTRAP_CACHE, `.${suite}-`));
    const dir = path.join(work, 'root');
    try {
      sh(['debootstrap', '--variant=minbase', suite, dir, debianMirror()], `making the ${suite} root`);
      const made = new DebianRoot(suite, dir);
      made.mustRun(['apt-get', 'update', '-q'], `fetching the ${suite} root's package lists`);
      made.mustRun(['apt-get', 'clean'], 'emptying the apt cache');
      DebianRoot.save(dir, DebianRoot.tarball(suite));
    } finally {
      if (mountsUnder(work).length === 0) spawnSync('rm', ['-rf', '--one-file-system', work]);
    }
  }

  /** The root packed into `tarball`, written whole then renamed: a run stopped half way leaves the old one or none. */
  private static save(dir: string, tarball: string): void {
    const temp = `${tarball}.${process.pid}.tmp`;
    try {
      sh(['tar', '-I', 'zstd -T0 -3', '--numeric-owner', '--one-file-system', '-cf', temp, '-C', dir, '.'], `saving the root to ${tarball}`);
      fs.renameSync(temp, tarball);
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  /** The host's path of `p`, a path inside the root. */
  path(p: string): string {
    return path.join(this.dir, p);
  }

  private argv(argv: string[], env: Record<string, string>): string[] {
    const vars = { PATH: CHROOT_PATH, HOME: '/root', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', ...env };
    return [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      ENTER,
      'enter',
      this.dir,
      'env',
      '-i',
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      ...argv,
    ];
  }

  /** Runs `argv` inside the root (as root, its own mount namespace) and returns how it ended. */
  run(argv: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<RootResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('unshare', this.argv(argv, opts.env ?? {}), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
      child.stdin.end(opts.input ?? '');
    });
  }

  /** run(), failing with its output unless it exits 0. */
  mustRun(argv: string[], what: string): RootResult {
    const r = spawnSync('unshare', this.argv(argv, {}), { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0)
      throw new Error(`${what}: ${argv.join(' ')} in the ${this.suite} root failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-4000)}`);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts `argv` inside the root in the background (its own process group); dispose() ends it. */
  start(argv: string[], opts: { env?: Record<string, string> } = {}): ChildProcess {
    const child = spawn('unshare', this.argv(argv, opts.env ?? {}), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Ends what start() started, checks no mount is left in the root, deletes it (never past a mount point). */
  async dispose(): Promise<void> {
    for (const child of this.children) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    const left = mountsUnder(this.dir);
    if (left.length > 0) throw new Error(`mounts left in the ${this.suite} root, not deleting it: ${left.join(', ')} (umount them)`);
    spawnSync('rm', ['-rf', '--one-file-system', path.dirname(this.dir)]);
  }
}
