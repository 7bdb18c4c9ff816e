import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** One measured command. */
export interface Measured {
  seconds: number;
  /** Peak resident memory of the process (VmHWM), in bytes. */
  peakRss: number;
  /** CPU seconds (user + system) the process had used at its last sample before exiting. */
  cpuSeconds: number;
  /** Of which in the kernel (system time). */
  systemSeconds: number;
  stdout: string;
}

function hwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (utime + stime) a running process has used so far, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  const t = cpuTimesOf(pid);
  return t.user + t.system;
}

/** User and system CPU seconds of a running process (all its threads). */
function cpuTimesOf(pid: number): { user: number; system: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** Peak RSS so far of a running process (VmHWM). */
export function peakRssOf(pid: number): number {
  return hwm(pid);
}

/** Runs a command to completion, timing it and sampling its peak RSS; fails loudly on a non-zero exit. */
export function measure(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let cpu = { user: 0, system: 0 };
    const timer = setInterval(() => {
      peak = Math.max(peak, hwm(child.pid!));
      const now = cpuTimesOf(child.pid!);
      if (now.user + now.system >= cpu.user + cpu.system) cpu = now;
    }, 20);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (process.env.BENCH_SHOW_STDERR) process.stderr.write(stderr);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stderr}`));
      else resolve({ seconds, peakRss: peak, cpuSeconds: cpu.user + cpu.system, systemSeconds: cpu.system, stdout });
    });
  });
}

/** Total size of the files below `dir`. */
export function duBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  walk(dir);
  return total;
}
