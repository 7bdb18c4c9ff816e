import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';

/** Shape of the peer benchmark's dataset. */
export interface DatasetShape {
  files: number;
  dumpBytes: number;
}

/**
 * Writes the deterministic dataset: `files` files in a tree of directories
 * (80 % small text/source files of 1-20 KB, 18 % binaries of 50 KB-1 MB,
 * 2 % logs of 100-500 KB) and one database-dump-like file of `dumpBytes`
 * (text rows with blob-like random stretches). Returns the bytes written.
 */
export function writeDataset(dir: string, shape: DatasetShape): number {
  const rnd = new SeededRandom('peers-dataset');
  let total = 0;
  for (let i = 0; i < shape.files; i++) {
    const sub = path.join(dir, `d${i % 50}`, `s${i % 23}`);
    if (i < 50 * 23) fs.mkdirSync(sub, { recursive: true });
    const k = rnd.below(100);
    const content = k < 80 ? rnd.text(1000 + rnd.below(19_000)) : k < 98 ? rnd.bytes(50_000 + rnd.below(950_000)) : rnd.text(100_000 + rnd.below(400_000));
    fs.writeFileSync(path.join(sub, `f${i}.${k < 80 ? 'ts' : k < 98 ? 'bin' : 'log'}`), content);
    total += content.length;
  }
  const fd = fs.openSync(path.join(dir, 'database.dump'), 'w');
  for (let done = 0; done < shape.dumpBytes;) {
    const block = rnd.below(4) === 0 ? rnd.bytes(1 << 20) : rnd.text(1 << 20);
    const n = Math.min(block.length, shape.dumpBytes - done);
    fs.writeSync(fd, block, 0, n);
    done += n;
  }
  fs.closeSync(fd);
  return total + shape.dumpBytes;
}

/**
 * The second generation, in place: small edits spread through ~2 % of the
 * small files, a few binaries replaced, rows changed inside the dump and
 * some appended. Returns a description.
 */
export function editDataset(dir: string, shape: DatasetShape): string {
  const rnd = new SeededRandom('peers-edit');
  let edited = 0;
  for (let i = 0; i < shape.files; i++) {
    if (rnd.below(50) !== 0) continue;
    const sub = path.join(dir, `d${i % 50}`, `s${i % 23}`);
    const name = fs.readdirSync(sub).find((f) => f.startsWith(`f${i}.`));
    if (!name) continue;
    const p = path.join(sub, name);
    const buf = fs.readFileSync(p);
    const at = rnd.below(buf.length);
    fs.writeFileSync(p, Buffer.concat([buf.subarray(0, at), rnd.text(200), buf.subarray(at)]));
    edited++;
  }
  const dump = path.join(dir, 'database.dump');
  const fd = fs.openSync(dump, 'r+');
  for (let k = 0; k < 64; k++) fs.writeSync(fd, rnd.text(4096), 0, 4096, rnd.below(Math.max(1, shape.dumpBytes - 4096)));
  fs.closeSync(fd);
  fs.appendFileSync(dump, rnd.text(8 << 20));
  return `${edited} files edited, 64 blocks rewritten in the dump and 8 MiB appended`;
}

/** Shape of the small-file dataset: a source tree. */
export interface SourceTreeShape {
  files: number;
}

/** Size of the i-th file: most under 16 KB with a long tail (mean ~17 KB). */
function sourceFileSize(rnd: SeededRandom): number {
  const k = rnd.below(100);
  if (k < 75) return 200 + rnd.below(8_000);
  if (k < 93) return 8_000 + rnd.below(24_000);
  if (k < 99) return 32_000 + rnd.below(96_000);
  return 128_000 + rnd.below(900_000);
}

/** Where file `i` lives: /mNN/pNN/dNN/, about 20 files per directory, three levels as in a source tree. */
function sourceFilePath(dir: string, i: number): string {
  const d = Math.floor(i / 20);
  return path.join(dir, `m${d % 12}`, `p${Math.floor(d / 12) % 20}`, `d${Math.floor(d / 240)}`, `f${i}.${i % 10 < 8 ? 'c' : 'o'}`);
}

/**
 * Writes the small-file dataset: `files` files in a three-level tree of
 * directories of ~20 files, 80 % source-like text, 20 % incompressible
 * (objects, images). Returns the bytes written.
 */
export function writeSourceTree(dir: string, shape: SourceTreeShape): number {
  const rnd = new SeededRandom('source-tree');
  let total = 0;
  for (let i = 0; i < shape.files; i++) {
    const p = sourceFilePath(dir, i);
    if (i % 20 === 0) fs.mkdirSync(path.dirname(p), { recursive: true });
    const n = sourceFileSize(rnd);
    const content = i % 10 < 8 ? rnd.text(n) : rnd.bytes(n);
    fs.writeFileSync(p, content);
    total += content.length;
  }
  return total;
}

/**
 * A new release unpacked over the tree, in place: every file's mtime
 * changes (as after a package upgrade, a `git checkout` or an unpacked
 * tarball), ~2 % of files get a small edit, 100 files are added and 100
 * removed. Returns a description.
 */
export function releaseSourceTree(dir: string, shape: SourceTreeShape, release: number): string {
  const rnd = new SeededRandom(`source-release-${release}`);
  const mtime = new Date(Date.UTC(2026, 0, release));
  let edited = 0;
  let removed = 0;
  for (let i = 0; i < shape.files; i++) {
    const p = sourceFilePath(dir, i);
    if (!fs.existsSync(p)) continue;
    const k = rnd.below(1000);
    if (k < 20) {
      const buf = fs.readFileSync(p);
      const at = rnd.below(buf.length);
      fs.writeFileSync(p, Buffer.concat([buf.subarray(0, at), rnd.text(100 + rnd.below(400)), buf.subarray(at)]));
      edited++;
    } else if (k < 20 + 100_000 / shape.files && removed < 100) {
      fs.rmSync(p);
      removed++;
      continue;
    }
    fs.utimesSync(p, mtime, mtime);
  }
  const added = path.join(dir, `release-${release}`);
  fs.mkdirSync(added);
  for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(added, `new${i}.c`), rnd.text(sourceFileSize(rnd)));
  return `every mtime changed, ${edited} files edited, ${removed} removed, 100 added`;
}
