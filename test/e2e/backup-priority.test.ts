/**
 * A backup runs at node.conf's nice and ionice, on every thread of the
 * agent: the ones it had when the backup started (V8's, libuv's) and the
 * ones the backup starts (its read and chunk workers), and the scripts and
 * dump jobs it starts inherit them. Linux keeps both per thread, so each
 * thread of the real agent is read in /proc/PID/task and with ionice -p,
 * by the agent's own children: backup_script_pre (before the backup's
 * workers exist) and a dump job once the agent opens its FIFO (the walk
 * is there: the files before it were read by the workers).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_BIN, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * argv: where to write, and for a dump job its FIFO, opened first (it
 * opens once the agent opens it to read). The agent is the parent. Writes
 * the agent's command line, "self|nice|ionice", then a line per thread of
 * the agent, as a whole file.
 */
const RECORD = `#!/bin/sh
out=$1
agent=$PPID
if [ -n "$2" ]; then exec 3>"$2"; fi
nice_of() { sed 's/.*) //' "$1" | cut -d' ' -f17; }
{
  echo "agent $(tr '\\0' ' ' < /proc/$agent/cmdline)"
  echo "self|$(nice_of /proc/$$/stat)|$(ionice -p $$)"
  for t in /proc/$agent/task/*; do
    echo "\${t##*/}|$(nice_of $t/stat)|$(ionice -p \${t##*/})"
  done
} > "$out.tmp" && mv "$out.tmp" "$out"
if [ -n "$2" ]; then echo recorded >&3; fi
`;

interface Threads {
  agent: string;
  self: { nice: number; io: string };
  threads: Array<{ tid: number; nice: number; io: string }>;
}

function readRecord(file: string): Threads {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const row = (l: string) => {
    const [id = '', nice = '', io = ''] = l.split('|');
    return { id, nice: Number(nice), io };
  };
  const self = row(lines[1]!);
  return {
    agent: lines[0]!,
    self: { nice: self.nice, io: self.io },
    threads: lines.slice(2).map((l) => {
      const r = row(l);
      return { tid: Number(r.id), nice: r.nice, io: r.io };
    }),
  };
}

describe('a backup runs at the nice and ionice of node.conf', () => {
  const { root, pki, server } = useServer('backup-priority', { clients: { node: [] } });

  /** A node whose backup records its agent's threads from backup_script_pre and from a dump job. */
  function node(name: string, extra: string[]): { conf: string; pre: string; dump: string } {
    const base = path.join(root, name);
    const data = path.join(base, 'data');
    fs.mkdirSync(data, { recursive: true });
    // Files the read workers read before the walk reaches the dump's FIFO (data/ sorts before dumps/).
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(data, `f${i}`), `file ${i}\n`.repeat(50));
    const record = path.join(base, 'record.sh');
    fs.writeFileSync(record, RECORD, { mode: 0o755 });
    const pre = path.join(base, 'pre.txt');
    const dump = path.join(base, 'dump.txt');
    const storage = path.join(base, 'storage.conf');
    // exec: the recorder's parent is the agent.
    fs.writeFileSync(storage, `dump_directory = ${path.join(base, 'dumps')}\ndump = threads: exec ${record} ${dump} {fifo}\n`);
    const conf = writeNodeConf(base, server, {
      cname: 'node',
      cert: pki.client('node'),
      include: [data],
      extra: [`storage_conf = ${storage}`, `backup_script_pre = ${record}`, `backup_script_pre_arg = ${pre}`, `backup_script_reserved_args = 0`, ...extra],
    });
    return { conf, pre, dump };
  }

  /** `cpsbackup -c conf -e` started by a wrapper command (ionice, setpriv, nice): its exit code and stderr. */
  async function runWrapped(wrapper: string[], conf: string): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(wrapper[0]!, [...wrapper.slice(1), process.execPath, CLI_BIN, '-c', conf, '-e'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stderr };
  }

  function expectAllAt(rec: Threads, nice: number, io: string): void {
    expect(rec.agent).toContain(CLI_BIN);
    expect(rec.self).toEqual({ nice, io });
    expect(rec.threads.length).toBeGreaterThan(1);
    for (const t of rec.threads) expect({ tid: t.tid, nice: t.nice, io: t.io }).toEqual({ tid: t.tid, nice, io });
  }

  test.each([
    ['the defaults: nice 10, best-effort:7', 'defaults', [], 10, 'best-effort: prio 7'],
    ['nice = 15, ionice = idle', 'idle', ['nice = 15', 'ionice = idle'], 15, 'idle'],
    ['nice = 3, ionice = best-effort:2', 'be2', ['nice = 3', 'ionice = best-effort:2'], 3, 'best-effort: prio 2'],
  ])('%s: every thread of the agent, before and during the backup, and its scripts and dump jobs', async (_what, name, extra, nice, io) => {
    const n = node(name, extra);
    const r = await runCli(['-c', n.conf, '-e']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const pre = readRecord(n.pre);
    const during = readRecord(n.dump);
    expectAllAt(pre, nice, io);
    expectAllAt(during, nice, io);
    // The backup's workers came after the priority was set: they have it from the thread that made them.
    const before = new Set(pre.threads.map((t) => t.tid));
    expect(during.threads.filter((t) => !before.has(t.tid)).length).toBeGreaterThan(0);
  });

  test('ionice = none leaves the I/O priority the agent was started with', async () => {
    const n = node('none', ['nice = 12', 'ionice = none']);
    const r = await runWrapped(['ionice', '-c2', '-n3'], n.conf);
    expect(r).toEqual({ code: 0, stderr: '' });
    expectAllAt(readRecord(n.dump), 12, 'best-effort: prio 3');
  });

  test('a niceness below the one it started with, without CAP_SYS_NICE: said, and the backup goes on at its own', async () => {
    const n = node('lower', ['nice = 5']);
    const r = await runWrapped(['setpriv', '--inh-caps=-sys_nice', '--bounding-set=-sys_nice', '--', 'nice', '-n', '15'], n.conf);
    expect(r).toEqual({
      code: 0,
      stderr:
        'cpsbackup: cannot set the niceness nice = 5 (node.conf): it is 15 now, and lowering it needs CAP_SYS_NICE ' +
        '(root, and in the systemd units a drop-in adding it to CapabilityBoundingSet); the backup runs at niceness 15\n',
    });
    expectAllAt(readRecord(n.dump), 15, 'best-effort: prio 7');
  });

  test('node.conf refuses an ionice it does not know, saying what it takes', async () => {
    const n = node('bad', ['ionice = realtime:0']);
    const r = await runCli(['-c', n.conf, '-e']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected best-effort:N (N from 0, highest, to 7, lowest), idle or none, got "realtime:0"');
    expect(fs.existsSync(n.pre)).toBe(false);
  });
});
