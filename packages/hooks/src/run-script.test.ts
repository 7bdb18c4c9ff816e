import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processEnded } from '@cpsbackup/testkit/e2e';
import { runScript, scriptFailure } from './run-script';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hooks-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('runScript', () => {
  it('passes its arguments as they are, through no shell, and reports the exit status with the output', async () => {
    const marker = path.join(dir, 'evaluated');
    const file = script('args.sh', 'for a in "$@"; do printf "[%s]\\n" "$a"; done; echo "env=$CPSBACKUP_X" >&2; exit 3');
    const r = await runScript({ file, args: ['pre', `$(touch ${marker})`, 'a b', ''], env: { CPSBACKUP_X: 'y' }, timeoutMs: 60_000 });
    expect(r).toMatchObject({ ok: false, exitCode: 3, timedOut: false, truncated: false });
    expect(r.output).toBe(`[pre]\n[$(touch ${marker})]\n[a b]\n[]\nenv=y\n`);
    expect(fs.existsSync(marker)).toBe(false);
    expect(scriptFailure('backup_script_pre x', r, 'script_timeout', 60_000)).toBe(
      `backup_script_pre x exited with status 3; its output: [pre]\n[$(touch ${marker})]\n[a b]\n[]\nenv=y`,
    );
  });

  it('gives the script a stated environment only: none of our other variables', async () => {
    process.env.CPSBACKUP_TEST_SECRET = 'hunter2';
    try {
      const file = script('env.sh', 'env; pwd');
      const r = await runScript({ file, args: [], env: { CPSBACKUP_PHASE: 'pre' }, timeoutMs: 60_000 });
      expect(r.ok).toBe(true);
      const names = r.output
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => l.slice(0, l.indexOf('=')));
      expect(r.output).not.toContain('hunter2');
      for (const n of names)
        expect(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'CPSBACKUP_PHASE', 'PWD'].includes(n) || n.startsWith('LC_')).toBe(true);
      expect(r.output.trim().split('\n').pop()).toBe('/');
    } finally {
      delete process.env.CPSBACKUP_TEST_SECRET;
    }
  });

  it('keeps only the last bytes of a long output', async () => {
    const file = script('long.sh', 'i=0; while [ $i -lt 5000 ]; do echo "line $i"; i=$((i+1)); done; echo last');
    const r = await runScript({ file, args: [], timeoutMs: 60_000, outputBytes: 100 });
    expect(r.ok).toBe(true);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.output)).toBe(100);
    expect(r.output.endsWith('line 4999\nlast\n')).toBe(true);
  });

  it('kills a script still running at its timeout, with what it started', async () => {
    const pidFile = path.join(dir, 'pids');
    // Ignores SIGTERM, and leaves a child that would outlive it.
    const file = script('hang.sh', `trap '' TERM; sleep 100000 & echo $! > ${pidFile}; echo started; while :; do sleep 1; done`);
    const r = await runScript({ file, args: [], timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, timedOut: true, signal: 'SIGKILL', exitCode: null });
    expect(r.output).toBe('started\n');
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    await processEnded(grandchild);
    expect(scriptFailure('server_script_pre /x', r, 'server_script_timeout', 300)).toMatch(
      /^server_script_pre \/x was still running after 300 ms and was killed with its process group \(server_script_timeout\); its output: started$/,
    );
  });

  it('says a script that cannot be started is not there or not executable', async () => {
    const r = await runScript({ file: path.join(dir, 'missing'), args: [], timeoutMs: 60_000 });
    expect(r.ok).toBe(false);
    expect(r.startError).toMatch(/ENOENT/);
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'echo hi\n', { mode: 0o644 });
    const r2 = await runScript({ file: plain, args: [], timeoutMs: 60_000 });
    expect(r2.startError).toMatch(/EACCES/);
    expect(scriptFailure('restore_script_pre', r2, 'script_timeout', 1000)).toMatch(/could not be started .*EACCES.*executable/);
  });
});
