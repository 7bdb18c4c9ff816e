// Copies a workspace program's production dependency closure into DEST/node_modules,
// as the program will load it from a package: our packages' compiled dist/ (no
// .d.ts, source maps or tests), third-party packages without their docs, types,
// tests and license files, and native addons reduced to their compiled .node
// module and the JavaScript that loads it (no sources, objects or static
// libraries: re2's build leftovers alone are 100 MB). Writes DEST/licenses.json:
// each bundled package's name, version, license and license text, for the
// copyright file (packaging/copyright.mjs).
//   node packaging/stage-modules.mjs @cpsbackup/agent DEST
import * as fs from 'node:fs';
import * as path from 'node:path';

const [program, dest] = process.argv.slice(2);
if (!program || !dest) {
  console.error('usage: stage-modules.mjs PACKAGE-NAME DEST');
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

// Dependencies that only build or type a package at npm install: never loaded at run time.
const INSTALL_ONLY = new Set(['node-gyp', 'nan', 'node-addon-api', 'prebuild-install', 'install-artifact-from-github', '@types/node']);
// Names, anywhere in a third-party package, that no program loads.
const DROPPED_DIRS = new Set(['test', 'tests', 'spec', 'specs', '__tests__', 'example', 'examples', 'docs', 'doc', '.github', 'bench', 'benchmark']);
const DROPPED_FILE = /(\.(test|spec)\.[cm]?js|\.d\.[cm]?ts|\.map|\.md|\.markdown|\.html|\.tsbuildinfo|^\.[^/]*|\.gyp|\.gypi|\.sh)$/i;
const LICENSE_FILE = /^(licen[cs]e|copying|notice|copyrightnotice)([-.][a-z0-9.-]+)?$/i;
// A native addon keeps only these: the module and the JavaScript that loads it.
const ADDON_SOURCE_DIRS = new Set(['src', 'deps', 'vendor', 'scripts', 'build']);

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Where `name` resolves from `fromDir`, as node resolves it (node_modules up to the checkout). */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) break;
  }
  throw new Error(`${name} (needed from ${path.relative(root, fromDir)}) is not installed: run make setup`);
}

/** A package's place under DEST: its place in the checkout's node_modules tree. */
function destinationOf(found) {
  const real = fs.realpathSync(found);
  const rel = path.relative(root, found);
  const inWorkspace = path.relative(path.join(root, 'packages'), real);
  if (!inWorkspace.startsWith('..') && !rel.startsWith('node_modules')) {
    // packages/x/node_modules/y: below the workspace package's own place.
    const [pkgDir, ...rest] = inWorkspace.split(path.sep);
    const name = readJson(path.join(root, 'packages', pkgDir, 'package.json')).name;
    return path.join('node_modules', name, ...rest);
  }
  return rel;
}

const seen = new Map(); // real dir -> destination
const queue = [resolvePackage(program, root)];
while (queue.length > 0) {
  const found = queue.shift();
  const real = fs.realpathSync(found);
  if (seen.has(real)) continue;
  seen.set(real, destinationOf(found));
  const pkg = readJson(path.join(real, 'package.json'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    if (INSTALL_ONLY.has(dep)) continue;
    try {
      queue.push(resolvePackage(dep, real));
    } catch (err) {
      if (pkg.optionalDependencies?.[dep]) continue;
      throw err;
    }
  }
}

/**
 * A copy, never executable: the package runs each program through its /usr/bin
 * wrapper on the bundled node, so a module's #! line names an interpreter the
 * package does not use; it becomes a comment (same line numbers in stack traces).
 */
function copyFile(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const data = fs.readFileSync(from);
  if (/\.[cm]?js$/.test(to) && data.subarray(0, 2).toString() === '#!') data.write('//', 0);
  fs.writeFileSync(to, data, { mode: 0o644 });
  fs.chmodSync(to, 0o644);
}

/** Every file under `dir` (relative paths) that `keep` accepts; symbolic links followed. */
function* files(dir, keep, rel = '') {
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const relPath = path.join(rel, entry.name);
    const full = path.join(dir, relPath);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && fs.statSync(full).isDirectory());
    if (isDir) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue; // nested packages are staged as packages
      if (keep(relPath, true)) yield* files(dir, keep, relPath);
    } else if (keep(relPath, false)) {
      yield relPath;
    }
  }
}

const licenses = [];
for (const [real, to] of [...seen].sort((a, b) => a[1].localeCompare(b[1]))) {
  const pkg = readJson(path.join(real, 'package.json'));
  const ours = pkg.name.startsWith('@cpsbackup/');
  const addon = fs.existsSync(path.join(real, 'binding.gyp'));
  const keep = (rel, isDir) => {
    const parts = rel.split(path.sep);
    const base = parts[parts.length - 1];
    if (ours) {
      if (parts[0] === 'package.json') return true;
      if (parts[0] === 'build') return isDir ? parts.length <= 2 && (parts.length === 1 || base === 'Release') : parts.length === 3 && base.endsWith('.node');
      if (parts[0] !== 'dist') return false;
      return isDir || !(/\.(d\.ts|map|tsbuildinfo)$/.test(base) || /\.test\.js$/.test(base));
    }
    if (DROPPED_DIRS.has(base) && isDir) {
      // build/Release is where an addon's module is: kept below, the rest of build/ is not.
      return false;
    }
    if (addon && ADDON_SOURCE_DIRS.has(parts[0])) {
      if (parts[0] !== 'build') return false;
      if (isDir) return parts.length === 1 || (parts.length === 2 && base === 'Release');
      return parts.length === 3 && parts[1] === 'Release' && base.endsWith('.node') && !base.startsWith('test_');
    }
    if (isDir) return true;
    if (LICENSE_FILE.test(base)) return false; // in the copyright file
    if (DROPPED_FILE.test(base) || /^(readme|changelog|history|authors|contributing)(\.|$)/i.test(base)) return false;
    if (addon && !/\.(js|cjs|mjs|json)$/.test(base)) return false;
    return true;
  };
  const target = path.join(dest, to);
  let count = 0;
  for (const rel of files(real, keep)) {
    copyFile(path.join(real, rel), path.join(target, rel));
    count++;
  }
  if (addon && !fs.readdirSync(path.join(target, 'build', 'Release')).some((f) => f.endsWith('.node'))) {
    throw new Error(`${pkg.name}: no compiled .node module in ${real}/build/Release: run make setup`);
  }
  if (count === 0) throw new Error(`${pkg.name}: nothing to stage from ${real}`);
  if (!ours) {
    const licenseFiles = [...files(real, (rel, isDir) => isDir || LICENSE_FILE.test(path.basename(rel)))].sort();
    licenses.push({
      name: pkg.name,
      version: pkg.version,
      license: typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license ?? pkg.licenses),
      text: licenseFiles.map((f) => fs.readFileSync(path.join(real, f), 'utf8').trimEnd()).join('\n\n'),
    });
  }
}
fs.writeFileSync(path.join(dest, 'licenses.json'), JSON.stringify(licenses, null, 1) + '\n');
console.log(`staged ${seen.size} packages for ${program} in ${dest}`);
