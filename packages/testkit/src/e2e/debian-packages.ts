/**
 * The Debian packages `make package` builds (build/deb/, one per version),
 * for the tests that install them: install-agent's, the install test's.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** The checkout's version (package.json), the packages' default version. */
export function checkoutVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The path of `make package`'s `kind` package at the checkout's version; fails saying what to run when it is not built. */
export function debPackage(kind: 'agent' | 'server'): string {
  const file = path.join(ROOT, 'build/deb', `cpsbackup-${kind}_${checkoutVersion()}_amd64.deb`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run 'make package' first`);
  return file;
}

function run(argv: string[], what: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${what}: ${argv.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
}

/**
 * `deb` as version `version`, written in `dir`: the same files and
 * maintainer scripts, only the control file's Version changed, as `make
 * package DEB_VERSION=…` builds it from the same checkout, in seconds
 * rather than the minutes a build takes (an upgrade test's newer package).
 */
export function debAsVersion(deb: string, version: string, dir: string): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-deb-'));
  try {
    run(['dpkg-deb', '-R', deb, work], `unpacking ${deb}`);
    const control = path.join(work, 'DEBIAN/control');
    const text = fs.readFileSync(control, 'utf8');
    if (!/^Version: .*$/m.test(text)) throw new Error(`${deb} has no Version in its control file`);
    fs.writeFileSync(control, text.replace(/^Version: .*$/m, `Version: ${version}`));
    const pkg = /^Package: (\S+)$/m.exec(text)?.[1] ?? 'package';
    const out = path.join(dir, `${pkg}_${version}_amd64.deb`);
    run(['dpkg-deb', '-Zgzip', '-z1', '-b', work, out], `packing ${out}`);
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
