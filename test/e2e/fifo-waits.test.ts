/**
 * FIFOs nobody writes cannot make backups fail, nor cost one fifo_timeout
 * each; FIFOs with real writers are read in full however long their writer
 * keeps quiet. The server's idle_timeout (5 s) and the agent's
 * network_timeout (5 s) are both shorter than the waits here: what keeps
 * the connection up is the agent's KeepAlive, not a timeout long enough.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { fifoHasReader, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/** Resolves once process `pid` (or a child of it) sleeps in open(2) on a FIFO, waiting for a reader: read from /proc, no delay guessed. */
async function blockedInOpen(pid: number): Promise<void> {
  for (;;) {
    try {
      const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      for (const p of [pid, ...children]) if (/wait_for_partner|fifo/.test(fs.readFileSync(`/proc/${p}/wchan`, 'utf8'))) return;
    } catch {
      // Not there yet: look again.
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A real writer process: `script` runs in sh with $1 the FIFO; resolves with its exit code. */
function writer(script: string, fifo: string): { pid: number; exit: Promise<number | null> } {
  const child = spawn('sh', ['-c', script, 'sh', fifo], { stdio: 'ignore' });
  return { pid: child.pid!, exit: new Promise((r) => child.once('exit', r)) };
}

describe('FIFOs and the connection', () => {
  const { root, pki, server } = useServer('fifo-waits', { conf: ['idle_timeout = 5'], clients: { stray: [], many: [], quiet: [], stuck: [] } });

  /** A node.conf whose agent gives up on a silent server after 5 s too (writeNodeConf says 30). */
  function nodeConf(cname: string, include: string[], extra: string[]): string {
    const conf = writeNodeConf(root, server, { cname, cert: pki.client(cname), include, extra });
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^network_timeout = .*$/m, 'network_timeout = 5'));
    return conf;
  }

  function dataDir(name: string): string {
    const data = path.join(root, name);
    fs.mkdirSync(data);
    fs.chmodSync(data, 0o1777); // as /tmp: anyone may make a FIFO here
    fs.writeFileSync(path.join(data, 'app.conf'), `${name}\n`);
    return data;
  }

  test('a FIFO nobody writes, waited for longer than either side lets the other be silent: the backup completes, the FIFO named in a warning', async () => {
    const data = dataDir('stray-data');
    const fifo = path.join(data, 'stray.fifo');
    execFileSync('mkfifo', ['-m', '0666', fifo]);
    // Walked (listed and stat'ed with their directory) before the stray FIFO's wait, changed during it.
    const replaced = path.join(data, 'z-replaced.fifo');
    const removed = path.join(data, 'z-removed.fifo');
    for (const f of [replaced, removed]) execFileSync('mkfifo', ['-m', '0666', f]);
    const conf = nodeConf('stray', [data], ['read_all_fifos = 1', 'fifo_timeout = 12']);

    const run = runCli(['-c', conf, '-e', '--json']);
    await fifoHasReader(fifo);
    fs.rmSync(removed);
    fs.rmSync(replaced);
    fs.writeFileSync(replaced, 'not a FIFO: never read as one');
    const b = await run;
    expect(b.stderr).toBe('');
    expect(b.code).toBe(5); // done, with warnings
    const backup = JSON.parse(b.stdout).backup;
    expect(backup.status).toBe('available');
    expect(backup.warnings).toEqual([
      `FIFO ${fifo}: no writer opened it within 12 s (fifo_timeout); its content was not backed up`,
      `FIFO ${replaced} cannot be read: ECHANGED (not a FIFO any more); its content was not backed up`,
    ]);
    const show = (await runCli(['-c', conf, '-s', String(backup.number)])).stdout;
    expect(show).not.toContain('z-removed.fifo'); // gone since the walk: left out, as a file would be

    // Restorable: the file, and the FIFO as a FIFO (no content).
    const to = path.join(root, 'stray-restored');
    const r = await runCli(['-c', conf, '-i', String(backup.number), '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(to, data, 'app.conf'), 'utf8')).toBe('stray-data\n');
    expect(fs.lstatSync(path.join(to, fifo)).isFIFO()).toBe(true);
  });

  test('many FIFOs nobody writes cost one fifo_timeout, not one each; FIFOs with writers are still read in full after it is spent', async () => {
    const data = dataDir('many-data');
    const FIFOS = 30;
    const TIMEOUT_S = 4;
    const strays = Array.from({ length: FIFOS }, (_, i) => path.join(data, `a-stray-${String(i).padStart(2, '0')}.fifo`));
    for (const f of strays) execFileSync('mkfifo', ['-m', '0666', f]);
    // Walked after the strays: its writer waits in its open before the backup starts, as a dump started by cron would.
    const ready = path.join(data, 'b-ready.fifo');
    execFileSync('mkfifo', [ready]);
    const content = new SeededRandom('ready').bytes(3_000_000);
    const source = path.join(root, 'ready.source');
    fs.writeFileSync(source, content);
    const w = writer(`cat "${source}" > "$1"`, ready);
    await blockedInOpen(w.pid);
    // Named in read_fifo: it still gets its fifo_timeout; its writer comes only once the agent waits for it.
    const named = path.join(data, 'c-named.fifo');
    execFileSync('mkfifo', [named]);
    const conf = nodeConf('many', [data], ['read_all_fifos = 1', `fifo_timeout = ${TIMEOUT_S}`, `read_fifo = ${named}`]);

    // One wait per FIFO would take FIFOS × fifo_timeout (120 s): half of that is far more than one wait needs, on any machine.
    const run = runCli(['-c', conf, '-e', '--json'], { timeoutMs: (FIFOS / 2) * TIMEOUT_S * 1000 });
    await fifoHasReader(named);
    const late = writer(`printf 'written late' > "$1"`, named);
    const b = await run;
    expect(b.stderr).toBe('');
    expect(b.code).toBe(5);
    expect(await w.exit).toBe(0);
    expect(await late.exit).toBe(0);
    const backup = JSON.parse(b.stdout).backup;
    expect(backup.status).toBe('available');
    // Every FIFO whose content was not backed up is named; the first waited fifo_timeout, the others were not waited for.
    expect(backup.warnings).toEqual([
      `FIFO ${strays[0]}: no writer opened it within ${TIMEOUT_S} s (fifo_timeout); its content was not backed up`,
      ...strays
        .slice(1)
        .map(
          (f) =>
            `FIFO ${f}: no writer had it open, and the wait for the writers of FIFOs read_fifo does not name (fifo_timeout = ${TIMEOUT_S} s) ` +
            `was spent on ${strays[0]} (name it in read_fifo to wait for its writer every time); its content was not backed up`,
        ),
    ]);

    const to = path.join(root, 'many-restored');
    const r = await runCli(['-c', conf, '-i', String(backup.number), '--to', to]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(to, ready)).equals(content)).toBe(true);
    expect(fs.readFileSync(path.join(to, named), 'utf8')).toBe('written late');
    for (const f of strays) expect(fs.lstatSync(path.join(to, f)).isFIFO()).toBe(true);
  });

  test('writers that keep quiet for longer than both timeouts (a FIFO in read_fifo, a dump job) are read in full', async () => {
    const data = dataDir('quiet-data');
    const named = path.join(data, 'db.fifo');
    execFileSync('mkfifo', [named]);
    const content = new SeededRandom('quiet').bytes(3_000_000);
    const source = path.join(root, 'quiet.source');
    fs.writeFileSync(source, content);
    // Opens the FIFO (as soon as the agent does), then is silent for more than twice the timeouts before it writes.
    const w = writer(`exec 3>"$1"; sleep 11; cat "${source}" >&3`, named);

    // A dump job that starts writing only after the same silence.
    const dumpContent = new SeededRandom('quiet dump').bytes(2_000_000);
    const dumpSource = path.join(root, 'quiet-dump.source');
    fs.writeFileSync(dumpSource, dumpContent);
    const dumps = path.join(root, 'quiet-dumps');
    const storage = path.join(root, 'quiet-storage.conf');
    fs.writeFileSync(storage, [`dump_directory = ${dumps}`, `dump = late: sleep 11; cat ${dumpSource} > {fifo}`].join('\n') + '\n');
    const conf = nodeConf('quiet', [data], ['fifo_timeout = 30', `read_fifo = ${named}`, `storage_conf = ${storage}`]);

    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(await w.exit).toBe(0);
    const backup = JSON.parse(b.stdout).backup;
    expect(backup.status).toBe('available');
    expect(backup.warnings).toEqual([]);

    const to = path.join(root, 'quiet-restored');
    const r = await runCli(['-c', conf, '-i', String(backup.number), '--to', to]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(to, named)).equals(content)).toBe(true);
    expect(fs.readFileSync(path.join(to, dumps, 'late.dump')).equals(dumpContent)).toBe(true);
  });

  test('the server gone while the agent reads a FIFO whose writer stays silent: the agent stops at once, naming the FIFO', async () => {
    const data = dataDir('stuck-data');
    const fifo = path.join(data, 'hung.dump');
    execFileSync('mkfifo', [fifo]);
    // A dump that hangs: it opens the FIFO and never writes nor closes it.
    const hung = spawn('sh', ['-c', 'exec 3>"$1"; exec sleep 3600', 'sh', fifo], { stdio: 'ignore' });
    try {
      const conf = nodeConf('stuck', [data], [`read_fifo = ${fifo}`]);
      const run = runCli(['-c', conf, '-e']);
      await fifoHasReader(fifo);
      await server.stop('SIGKILL');
      // Without the stop, the agent would wait for the writer's hour.
      const b = await run;
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(new RegExp(`^cpsbackup: connection to the server lost: .* \\(while reading FIFO ${fifo.replace(/[.]/g, '\\.')}\\)$`, 'm'));
    } finally {
      hung.kill('SIGKILL');
      await server.start(server.port);
    }
  });
});
