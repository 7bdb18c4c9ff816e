import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '@cpsbackup/store';
import { SeededRandom } from '@cpsbackup/testkit';
import { freePort, requireBuild, runCli, snapshotTree, tempDir, TestPki, TestServer, type TreeRecord, until, writeNodeConf } from '@cpsbackup/testkit/e2e';

const TRIALS = 30;

/**
 * Where a trial kills cpsbackupd, each decided by what happened (never by
 * elapsed time, which a busy machine stretches): once both backups were
 * acknowledged, once the first was, or while c1's backup is open on the
 * server and its agent is reading the FIFO that ends c1's tree, whose
 * writer holds it open without ever finishing (so the backup cannot have
 * committed).
 */
type KillPoint = 'both acknowledged' | 'first acknowledged' | 'mid-backup';
const KILL_POINTS: KillPoint[] = ['both acknowledged', 'first acknowledged', 'mid-backup'];

/**
 * Whether retention (keep = 3) may have deleted backup `n`, from what it was at
 * the previous check: a complete one with three complete ones newer, a failed
 * one with a complete one newer, or one already being deleted then.
 */
function retentionDeletes(list: ReadonlyArray<{ number: number; status: string }>, before: ReadonlyMap<number, string>, n: number): boolean {
  const newerAvailable = list.filter((b) => b.number > n && b.status === 'available').length;
  const was = before.get(n);
  return was === 'deleting' || (was === 'error' && newerAvailable >= 1) || (was === 'available' && newerAvailable >= 3);
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
    // c1 with a FIFO to read at the end of its tree: the mid-backup trials' backup.
    const fifo = path.join(data('c1'), 'zz-stalled.fifo');
    /** Made by the FIFO's writer once its megabyte was written (read by the agent, but for what the pipe holds). */
    const fed = path.join(root, 'fed');
    const stalledConf = writeNodeConf(path.join(root, 'stalled'), { port, pki } as TestServer, {
      cname: 'c1',
      cert: pki.client('c1'),
      include: [data('c1')],
      extra: [`read_fifo = ${fifo}`],
    });
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
    const kills = new Map<KillPoint, number>(KILL_POINTS.map((k) => [k, 0]));
    /** client → backup number → its status at the previous trial's check (what a delete found it as). */
    const seenBefore = new Map<string, Map<number, string>>(clients.map((c) => [c, new Map()]));
    let interrupted = 0;
    let writer: ChildProcess | undefined;
    try {
      for (let t = 0; t < TRIALS; t++) {
        const killPoint = KILL_POINTS[t % KILL_POINTS.length]!;
        await server.start(port);
        const seeds = clients.map((c) => `${c}-t${t}`);
        clients.forEach((c, i) => makeTree(c, seeds[i]!));
        /** What must hold after the restart: backups acknowledged before the kill are available, the stalled one is error. */
        const mustBeAvailable = new Set<string>();
        const mustBeError = new Set<string>();
        if (killPoint === 'mid-backup') {
          execFileSync('mkfifo', [fifo]);
          fs.rmSync(fed, { force: true });
          // Opens the FIFO, writes a megabyte (chunks the server receives), says so, then holds it open, silent.
          writer = spawn('sh', ['-c', 'exec 3>"$1"; head -c 1000000 /dev/urandom >&3; : >"$2"; exec sleep 3600', 'sh', fifo, fed], { stdio: 'ignore' });
        }
        /** Indexes of the backups whose CLI has exited. */
        const ended = new Set<number>();
        const runs = clients.map((c, i) =>
          runCli(['-c', killPoint === 'mid-backup' && c === 'c1' ? stalledConf : confs.get(c)!, '-e', '--name', seeds[i]!]).then((r) => {
            ended.add(i);
            return { ...r, seed: seeds[i]! };
          }),
        );
        // A delete runs beside the backups, and is killed wherever it is.
        const deletedNumber = t % 3 === 2 ? rnd.below(t) + 1 : undefined;
        const deleting = deletedNumber !== undefined ? runCli(['-c', confs.get('c1')!, '-d', String(deletedNumber)]) : undefined;
        if (killPoint === 'both acknowledged') {
          for (const r of await Promise.all(runs)) {
            expect({ seed: r.seed, code: r.code, stderr: r.stderr }).toEqual({ seed: r.seed, code: 0, stderr: '' });
            mustBeAvailable.add(r.seed);
          }
        } else if (killPoint === 'first acknowledged') {
          const first = await Promise.race(runs);
          expect({ seed: first.seed, code: first.code, stderr: first.stderr }).toEqual({ seed: first.seed, code: 0, stderr: '' });
          mustBeAvailable.add(first.seed);
        } else {
          // The agent read all but the pipe's last 64 KiB of the megabyte: the backup is open, mid-file.
          await until(
            'the agent to read the stalled FIFO',
            () => fs.existsSync(fed),
            () => (ended.has(0) ? 'its backup ended' : undefined),
          );
          mustBeError.add(seeds[0]!);
        }
        await server.stop('SIGKILL');
        kills.set(killPoint, kills.get(killPoint)! + 1);
        writer?.kill('SIGKILL');
        writer = undefined;
        const results = await Promise.all(runs);
        await deleting;
        if (killPoint === 'mid-backup') {
          // The stalled backup's agent says the server went away.
          expect(results[0]!.code).toBe(1);
          expect(results[0]!.stderr).toMatch(/connection to the server lost/);
          fs.rmSync(fifo);
        }

        await server.start(port);
        if (/recovered from an unclean stop/.test(server.log)) interrupted++;
        // A backup open on the server when it was killed is repaired at the next start.
        if (killPoint === 'mid-backup') expect(server.log).toMatch(/recovered from an unclean stop/);
        for (const c of clients) {
          const conf = confs.get(c)!;
          const list = JSON.parse((await runCli(['-c', conf, '-l', '--json'])).stdout).backups as Array<{
            number: number;
            status: string;
            name: string;
            reason: string;
          }>;
          for (const seed of mustBeAvailable)
            if (seed.startsWith(`${c}-`)) expect({ seed, status: list.find((b) => b.name === seed)?.status }).toEqual({ seed, status: 'available' });
          for (const seed of mustBeError)
            if (seed.startsWith(`${c}-`)) expect({ seed, status: list.find((b) => b.name === seed)?.status }).toEqual({ seed, status: 'error' });
          const before = seenBefore.get(c)!;
          for (const b of list) {
            // Killed between a delete's record and its catalog row, the delete is finished at the start: listed
            // `deleting` (never restored) until GC has reclaimed its space. Only a backup something deleted may be:
            // c1's `-d`, or retention after a backup (keep = 3 complete ones; a failed one once a newer one is complete).
            if (b.status === 'deleting') {
              const by = c === 'c1' && b.number === deletedNumber ? '-d' : retentionDeletes(list, before, b.number) ? 'retention' : undefined;
              expect({ client: c, number: b.number, was: before.get(b.number), by }).toEqual({
                client: c,
                number: b.number,
                was: before.get(b.number),
                by: expect.any(String),
              });
            } else expect(['available', 'error']).toContain(b.status);
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
          seenBefore.set(c, new Map(list.map((b) => [b.number, b.status])));
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
      writer?.kill('SIGKILL');
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
      `server crash: ${TRIALS} kills (${[...kills].map(([k, n]) => `${n} ${k}`).join(', ')}), ${interrupted} restarts that repaired an unclean stop, ${checked.size} backups restored bit-exact`,
    );
    // Every trial counts: each acknowledged backup was restored bit-exact, each mid-backup kill was repaired.
    const trialsAt = (k: KillPoint) => kills.get(k)!;
    expect(checked.size).toBeGreaterThanOrEqual(2 * trialsAt('both acknowledged') + trialsAt('first acknowledged'));
    expect(interrupted).toBeGreaterThanOrEqual(trialsAt('mid-backup'));
    fs.rmSync(root, { recursive: true, force: true });
  }, 900_000);
});
