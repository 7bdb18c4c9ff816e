import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { realPathOfExisting, wayProblem, wayTo } from './dump-trust';

const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;
const uid = process.geteuid?.() ?? 0;

describe('the way to a restored dump: may it be loaded?', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackup-dump-trust-'));
    fs.chmodSync(base, 0o755);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  /** The restore's part: makes `dir` (0700, then `mode`) and writes the dump into it. */
  function restore(dir: string, mode = 0o755): string {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, mode);
    const file = path.join(dir, 'db.dump');
    fs.writeFileSync(file, 'dump\n', { mode: 0o600 });
    return file;
  }

  test('directories of root (or the user) that no one else may write to, a new file of the user with one name: loaded', () => {
    const file = path.join(base, 'to', 'var', 'dumps', 'db.dump');
    const before = wayTo(file);
    expect(before.map((s) => s.path)).toEqual([
      ...ancestors(base),
      path.join(base, 'to'),
      path.join(base, 'to', 'var'),
      path.join(base, 'to', 'var', 'dumps'),
      file,
    ]);
    expect(before.filter((s) => s.st === undefined)).toHaveLength(4);
    restore(path.dirname(file));
    expect(wayProblem(before, wayTo(file), uid)).toBeUndefined();
  });

  test('a directory anyone may write to, made before the restore or by it: refused', () => {
    const open = path.join(base, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    const file = path.join(open, 'dumps', 'db.dump');
    const before = wayTo(file);
    restore(path.dirname(file));
    expect(wayProblem(before, wayTo(file), uid)).toBe(`${open} can be written by others (mode 777)`);

    const made = path.join(base, 'made', 'db.dump');
    const beforeMade = wayTo(made);
    restore(path.dirname(made), 0o775);
    expect(wayProblem(beforeMade, wayTo(made), uid)).toBe(`${path.dirname(made)} can be written by others (mode 775)`);
  });

  test('a sticky world-writable directory: only where what follows it on the way was root-owned before, or the restore made it', () => {
    const tmp = path.join(base, 'tmp');
    fs.mkdirSync(tmp);
    fs.chmodSync(tmp, 0o1777);
    // Nothing below it before the restore: anyone could have made the next directory first.
    const late = path.join(tmp, 'late', 'db.dump');
    const beforeLate = wayTo(late);
    restore(path.dirname(late));
    expect(wayProblem(beforeLate, wayTo(late), uid)).toBe(
      `${tmp} can be written by others (mode 1777), and ${path.dirname(late)} was not there before the restore (anyone could have made it first)`,
    );
    // Root's directory there before: no one else may rename it.
    const early = path.join(tmp, 'early', 'db.dump');
    fs.mkdirSync(path.dirname(early), { mode: 0o755 });
    const beforeEarly = wayTo(early);
    restore(path.dirname(early));
    expect(wayProblem(beforeEarly, wayTo(early), uid)).toBeUndefined();
    // A sticky directory the restore made (0700 until every file was written), as a restore of "/" into DIR makes DIR/tmp.
    const made = path.join(base, 'to', 'tmp', 'x', 'db.dump');
    const beforeMade = wayTo(made);
    restore(path.dirname(made));
    fs.chmodSync(path.join(base, 'to', 'tmp'), 0o1777);
    expect(wayProblem(beforeMade, wayTo(made), uid)).toBeUndefined();
  });

  (isRoot ? test : test.skip)(
    "a directory of another user before the restore, even one the restore gave back to root: refused; the user's own file: refused",
    () => {
      const theirs = path.join(base, 'theirs');
      fs.mkdirSync(path.join(theirs, 'dumps'), { recursive: true });
      fs.chownSync(theirs, NOBODY, NOBODY);
      const file = path.join(theirs, 'dumps', 'db.dump');
      const before = wayTo(file);
      restore(path.dirname(file));
      fs.chownSync(theirs, 0, 0); // the backed-up owner, applied at the end of the restore
      expect(wayProblem(before, wayTo(file), uid)).toBe(`${theirs} belongs to uid ${NOBODY}`);

      const swapped = path.join(base, 'swapped', 'db.dump');
      const beforeSwapped = wayTo(swapped);
      restore(path.dirname(swapped));
      fs.chownSync(swapped, NOBODY, NOBODY);
      expect(wayProblem(beforeSwapped, wayTo(swapped), uid)).toBe(`${swapped} belongs to uid ${NOBODY}, not to the user who restored it (uid ${uid})`);
    },
  );

  test('a link on the way, a directory replaced during the restore, a dump with two names or not a file: refused', () => {
    const real = path.join(base, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(base, 'link'));
    const viaLink = path.join(base, 'link', 'db.dump');
    const beforeLink = wayTo(viaLink);
    restore(real);
    expect(wayProblem(beforeLink, wayTo(viaLink), uid)).toBe(`${path.join(base, 'link')} is a symbolic link`);

    const dir = path.join(base, 'replaced');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'dumps', 'db.dump');
    const before = wayTo(file);
    fs.renameSync(dir, path.join(base, 'replaced-old'));
    restore(path.dirname(file));
    expect(wayProblem(before, wayTo(file), uid)).toBe(`${dir} was replaced during the restore`);

    const linked = path.join(base, 'linked', 'db.dump');
    const beforeLinked = wayTo(linked);
    restore(path.dirname(linked));
    fs.linkSync(linked, path.join(base, 'linked', 'other'));
    expect(wayProblem(beforeLinked, wayTo(linked), uid)).toBe(`${linked} has 2 names (hard links)`);

    const notFile = path.join(base, 'nf', 'db.dump');
    const beforeNotFile = wayTo(notFile);
    fs.mkdirSync(notFile, { recursive: true });
    expect(wayProblem(beforeNotFile, wayTo(notFile), uid)).toBe(`${notFile} is not a regular file`);
  });

  test('the real path of a target whose parent is a link, its missing part kept as given', () => {
    const real = path.join(base, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(base, 'link'));
    expect(realPathOfExisting(path.join(base, 'link', 'not', 'yet'))).toBe(path.join(fs.realpathSync(real), 'not', 'yet'));
    expect(realPathOfExisting('/')).toBe('/');
  });
});

/** "/" and every directory down to `p`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = p; ; d = path.dirname(d)) {
    out.unshift(d);
    if (d === '/') return out;
  }
}
