import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { SeededRandom, tempDir } from '@cpsbackup/testkit';
import { CRASH_WRITER_SCRIPT, crashTree, readTree } from '@cpsbackup/testkit/store-trees';
import { Store } from './store';

const CHILD = CRASH_WRITER_SCRIPT;
const TRIALS = 24;

interface Expected {
  seed: string;
  /** Between "deleting" and "deleted" the backup may or may not be there. */
  maybeDeleted: boolean;
}

/** Runs the child until `killAfterMs`, SIGKILLs it, returns its report lines. */
function runAndKill(dir: string, seed: string, killAfterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, seed], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code}): ${err}`));
      else resolve(out.split('\n').filter(Boolean));
    });
  });
}

describe('crash safety', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHILD)) throw new Error(`${CHILD} is missing: run 'make build' before the tests`);
  });

  test(`kill -9 at random moments during ingest, commit, delete and GC (${TRIALS} trials) loses no committed backup`, async () => {
    const dir = tempDir('crash');
    const rnd = new SeededRandom('crash-schedule');
    const expected = new Map<string, Expected>(); // "client/number" → what it holds
    let steps = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const lines = await runAndKill(dir, `t${trial}`, 150 + rnd.below(900));
      for (const line of lines) {
        const [what, a, b, c] = line.split(' ');
        if (what === 'committed') expected.set(`${a}/${b}`, { seed: c!, maybeDeleted: false });
        // A backup committed just before a kill may be unknown here (its line never got out).
        const known = expected.get(`${a}/${b}`);
        if (what === 'deleting' && known) known.maybeDeleted = true;
        if (what === 'deleted') expected.delete(`${a}/${b}`);
      }
      steps += lines.length;

      const store = await Store.open(dir);
      try {
        const report = await store.verify();
        expect(report.badChunks).toEqual([]);
        expect(report.damagedBackups).toEqual([]);
        for (const [key, exp] of expected) {
          const [client, number] = key.split('/');
          const found = store.listBackups(client).find((x) => x.number === Number(number));
          // Gone, or deleted and waiting for GC (the open finishes a delete its records had decided): only if it was being deleted.
          if (!found || found.status === 'deleting') {
            expect(exp.maybeDeleted).toBe(true);
            expected.delete(key);
            continue;
          }
          expect(found.status).toBe('available');
          const tree = await readTree(store, found.id);
          const want = crashTree(exp.seed);
          expect([...tree.keys()].sort()).toEqual([...want.keys()].sort());
          for (const [p, content] of want) expect(tree.get(p)!.equals(content)).toBe(true);
          exp.maybeDeleted = false;
        }
        for (const b of store.listBackups()) expect(['available', 'error', 'deleting']).toContain(b.status);
      } finally {
        await store.close();
      }
    }
    // The schedule must actually have produced backups and hit the store mid-work.
    expect(expected.size).toBeGreaterThan(3);
    expect(steps).toBeGreaterThan(TRIALS * 3);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
