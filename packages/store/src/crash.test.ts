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

/**
 * When a trial kills the writer, decided by what it did (never by elapsed
 * time, which a busy machine stretches until nothing happens before the
 * kill): once it has reported `n` durable steps (the kill lands in what
 * follows: the next ingest, a delete, GC), or once `n` packs it wrote have
 * appeared (mid-ingest, or mid-repack in GC).
 */
type KillAt = { after: 'steps' | 'packs'; n: number };

/** The pack files under a store directory. */
function packNames(dir: string): Set<string> {
  const packs = `${dir}/packs`;
  if (!fs.existsSync(packs)) return new Set();
  return new Set((fs.readdirSync(packs, { recursive: true }) as string[]).filter((f) => f.endsWith('.pack')));
}

/** Runs the child until `at`, SIGKILLs it, returns its report lines. */
function runAndKill(dir: string, seed: string, at: KillAt): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const before = packNames(dir);
    const child = spawn(process.execPath, [CHILD, dir, seed], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const lines = () => out.split('\n').filter(Boolean);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (at.after === 'steps' && lines().length >= at.n) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // New packs are looked for every millisecond: the kill follows the event closely.
    const watch =
      at.after === 'packs'
        ? setInterval(() => {
            if ([...packNames(dir)].filter((f) => !before.has(f)).length >= at.n) child.kill('SIGKILL');
          }, 1)
        : undefined;
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code}): ${err}`));
      else resolve(lines());
    });
  });
}

describe('crash safety', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHILD)) throw new Error(`${CHILD} is missing: run 'make build' before the tests`);
  });

  test(`kill -9 after random steps and packs during ingest, commit, delete and GC (${TRIALS} trials) loses no committed backup`, async () => {
    const dir = tempDir('crash');
    const rnd = new SeededRandom('crash-schedule');
    const expected = new Map<string, Expected>(); // "client/number" → what it holds
    let steps = 0;
    let wanted = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const at: KillAt = trial % 2 === 0 ? { after: 'steps', n: 1 + rnd.below(8) } : { after: 'packs', n: 1 + rnd.below(16) };
      if (at.after === 'steps') wanted += at.n;
      const lines = await runAndKill(dir, `t${trial}`, at);
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
    // Every trial counts: each waited for its steps (reported before the kill) or its packs (written mid-work).
    expect(steps).toBeGreaterThanOrEqual(wanted);
    expect(expected.size).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
