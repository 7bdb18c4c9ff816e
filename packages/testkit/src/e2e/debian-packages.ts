/**
 * The Debian packages `make package` builds (build/deb/, one per version),
 * for the tests that install them: install-agent's, the install test's.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** The checkout's version (package.json), the packages' default version. */
export function checkoutVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The path of `make package`'s `kind` package at `version`; fails saying what to run when it is not built. */
export function debPackage(kind: 'agent' | 'server', version = checkoutVersion()): string {
  const file = path.join(ROOT, 'build/deb', `cpsbackup-${kind}_${version}_amd64.deb`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run 'make package${version === checkoutVersion() ? '' : ` DEB_VERSION=${version}`}' first`);
  return file;
}

/** Builds both packages at `version` (make package DEB_VERSION=…), for an upgrade from the checkout's version to it. */
export function buildPackages(version: string): void {
  const r = spawnSync('make', ['--no-print-directory', 'package', `DEB_VERSION=${version}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`make package DEB_VERSION=${version} failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-4000)}`);
}
