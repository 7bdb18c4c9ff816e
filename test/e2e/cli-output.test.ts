/**
 * What the cpsbackup CLI prints reaches its reader whole, whatever the
 * reader: on a pipe node writes asynchronously, and a process that exits
 * while its output waits for the reader loses the rest (at 64 KiB, the
 * pipe's size, with exit 0).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_BIN, type CliResult, runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * Runs the CLI with its stdout on a pipe that nobody reads until the CLI
 * waits for it to take more (its event loop polls fd 1 for EPOLLOUT, as
 * /proc/PID/fdinfo of its epoll descriptor shows: the pipe is full) or has
 * exited. The CLI meets a full pipe with most of its output still to
 * write, as behind `| less` or a slow `| ssh`. Then everything is read.
 */
const SLOW_READER = `
import os, re, select, subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
def waits_to_write():
    for fd in os.listdir('/proc/%d/fd' % p.pid):
        try:
            if os.readlink('/proc/%d/fd/%s' % (p.pid, fd)) != 'anon_inode:[eventpoll]':
                continue
            with open('/proc/%d/fdinfo/%s' % (p.pid, fd)) as info:
                for line in info:
                    m = re.match(r'tfd:\\s+1\\s+events:\\s+([0-9a-f]+)', line)
                    if m and int(m.group(1), 16) & select.EPOLLOUT:
                        return True
        except OSError:
            pass
    return False
while p.poll() is None and not waits_to_write():
    time.sleep(0.01)  # how often to look, not how long to wait: it goes on when the CLI waits on the pipe or has exited
out = p.stdout.read()
sys.stdout.buffer.write(out)
sys.stdout.flush()
sys.exit(p.wait())
`;

function runCliBehindFullPipe(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', SLOW_READER, process.execPath, CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr }));
  });
}

describe('the CLI output on a pipe', () => {
  const { root, pki, server } = useServer('cli-output', { clients: { node: [] } });

  test('-s, -s --json and a restore with thousands of warnings arrive whole, with their exit codes', async () => {
    const data = path.join(root, 'data');
    const files = 5000;
    for (let d = 0; d < 10; d++) {
      fs.mkdirSync(path.join(data, `dir-${d}`), { recursive: true });
      for (let f = 0; f < files / 10; f++) fs.writeFileSync(path.join(data, `dir-${d}`, `file-with-a-longish-name-${f}`), `${d}/${f}\n`);
    }
    const conf = writeNodeConf(root, server, { cname: 'node', cert: pki.client('node'), include: [data] });
    const backup = await runCli(['-c', conf, '-e', '--json']);
    expect(backup.code).toBe(0);
    const entries = JSON.parse(backup.stdout).backup.files as number;
    expect(entries).toBeGreaterThan(files);

    const text = await runCliBehindFullPipe(['-c', conf, '-s', '1']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout.length).toBeGreaterThan(4 * 65536);
    const lines = text.stdout.split('\n');
    expect(lines.pop()).toBe(''); // ends with a whole line
    expect(lines).toHaveLength(entries + 1);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^Backup 0000001 available: ${entries} entries`));

    const json = await runCliBehindFullPipe(['-c', conf, '-s', '1', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).entries).toHaveLength(entries);

    // A second restore over the first: a warning per file (each exists), exit 5.
    const to = path.join(root, 'restore');
    expect((await runCli(['-c', conf, '-i', '--to', to])).code).toBe(0);
    const again = await runCliBehindFullPipe(['-c', conf, '-i', '--to', to]);
    expect(again.code).toBe(5);
    const exists = again.stdout.split('\n').filter((l) => /^warning: .*: exists \(use --overwrite to replace it\)$/.test(l));
    expect(exists).toHaveLength(files);
  });
});
