import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '@cpsbackup/store';
import { SeededRandom } from '@cpsbackup/testkit';
import { freePort, requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, type TreeRecord, writeNodeConf } from '@cpsbackup/testkit/e2e';

const TRIALS = 30;

/** Resolves once `done()` holds, looked at every few milliseconds (what is waited for is an event; the period only bounds the lag). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

describe('kill -9 of cpsbackupd during backups, deletes and GC', () => {
  test(`${TRIALS} trials: available backups restore bit-exact, interrupted ones are error, orphans are reclaimed`, async () => {
    requireBuild();
    const root = tempDir('srvcrash');
    const pki = new TestPki(path.join(root, 'pki'));
    const server = new TestServer(root, pki, ['gc_grace = 0']);
    const clients = ['c1', 'c2'];
    for (const c of clients) server.addClient(c, ['keep = 3']);
    const port = await freePort();
    const rnd = new SeededRandom('crash-schedule');
    const data = (c: string) => path.join(root, `${c}-data`);
    const confs = new Map(clients.map((c) => [c, writeNodeConf(root, { port, pki } as TestServer, { cname: c, cert: pki.client(c), include: [data(c)] })]));
    /** seed → the tree that seed produced, as a snapshot. */
    const expected = new Map<string, Map<string, TreeRecord>>();
    const checked = new Set<string>();
    const makeTree = (c: string, seed: string) => {
      fs.rmSync(data(c), { recursive: true, force: true });
      fs.mkdirSync(data(c), { recursive: true });
      const r = new SeededRandom(seed);
      const base = new SeededRandom(`${c}-base`);
      fs.writeFileSync(path.join(data(c), 'base'), base.bytes(800_000)); // the same every time: dedups
      for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(data(c), `own${i}`), r.bytes(300_000 + r.below(700_000)));
      fs.writeFileSync(path.join(data(c), 'notes.txt'), r.text(50_000));
      expected.set(seed, snapshotTree(data(c)));
    };
    const settled = new Set<Promise<unknown>>();
    let killedWhileBusy = 0;
    let interrupted = 0;
    try {
      for (let t = 0; t < TRIALS; t++) {
        await server.start(port);
        const runs = clients.map((c) => {
          const seed = `${c}-t${t}`;
          makeTree(c, seed);
          const run = runCli(['-c', confs.get(c)!, '-e', '--name', seed]);
          void run.finally(() => settled.add(run));
          return run;
        });
        if (t % 3 === 2) runs.push(runCli(['-c', confs.get('c1')!, '-d', String(rnd.below(t) + 1)]));
        // When to kill, decided by what happened (never by elapsed time, which a busy machine stretches):
        // once every backup was acknowledged, once the first was, or as soon as one has started.
        const since = () => server.log.split('"msg":"listening"').pop() ?? '';
        const started = (n: number) => (since().match(/"msg":"backup started"/g) ?? []).length >= n;
        if (t % 3 === 0) await Promise.all(runs);
        else if (t % 3 === 1) await Promise.race(runs.slice(0, clients.length));
        else await until(() => started(1 + rnd.below(clients.length)) || runs.every((r) => settled.has(r)));
        const busy = started(1);
        await server.stop('SIGKILL');
        if (busy) killedWhileBusy++;
        await Promise.all(runs);

        await server.start(port);
        if (/recovered from an unclean stop/.test(server.log)) interrupted++;
        for (const c of clients) {
          const conf = confs.get(c)!;
          const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{
            number: number;
            status: string;
            name: string;
            reason: string;
          }>;
          for (const b of list) {
            expect(['available', 'error']).toContain(b.status);
            if (b.status === 'error') expect(b.reason).toMatch(/interrupted|connection lost|shutting down/);
            if (b.status !== 'available' || checked.has(b.name)) continue;
            const to = path.join(root, `restore-${c}-${b.number}`);
            const r = await runCli(['-c', conf, '-i', String(b.number), '--to', to]);
            expect(r.stderr).toBe('');
            expect(snapshotTree(path.join(to, data(c)))).toEqual(expected.get(b.name));
            fs.rmSync(to, { recursive: true });
            checked.add(b.name);
          }
          expect(JSON.parse((await runCli(['-c', conf, '--verify', '--json'])).stdout).ok).toBe(true);
        }
        await server.stop('SIGTERM');
      }
      // After all that, the next backup succeeds.
      await server.start(port);
      makeTree('c1', 'final');
      const final = await runCli(['-c', confs.get('c1')!, '-e', '--json']);
      expect(final.code).toBe(0);
      await server.stop('SIGTERM');
    } finally {
      await server.stop('SIGKILL');
    }

    // Orphan data of interrupted backups is reclaimed: after GC, every chunk is referenced.
    const store = await Store.open(server.storeDir, { recordsKey: server.recordsKeyFile });
    await store.gc(Date.now() + 48 * 3600_000);
    await store.close();
    const named = new Set<string>();
    const reader = await Store.open(server.storeDir, { recordsKey: server.recordsKeyFile });
    try {
      for (const b of reader.listBackups()) if (b.status === 'available') for await (const id of reader.chunksOf(b.id)) named.add(id.toString('hex'));
    } finally {
      await reader.close();
    }
    const catalog = new Database(path.join(server.storeDir, 'catalog.db'), { readonly: true });
    try {
      const stored = catalog.prepare(`SELECT id FROM chunks`).pluck().all() as Buffer[];
      expect(stored.filter((id) => !named.has(id.toString('hex')))).toEqual([]);
    } finally {
      catalog.close();
    }
    const reopened = await Store.open(server.storeDir, { recordsKey: server.recordsKeyFile });
    try {
      expect((await reopened.verify()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
    console.log(
      `server crash: ${TRIALS} kills (${killedWhileBusy} after a backup had started), ${interrupted} restarts that repaired an unclean stop, ${checked.size} backups restored bit-exact`,
    );
    expect(checked.size).toBeGreaterThan(TRIALS / 2);
    expect(killedWhileBusy).toBeGreaterThan(TRIALS / 3);
    fs.rmSync(root, { recursive: true, force: true });
  }, 900_000);
});
