/**
 * The shipped systemd units, as systemd reads them: `systemd-analyze
 * security --offline` scores each (the agent's under 4, as the server's),
 * and the settings the product relies on are there: what a backup writes
 * by default is writable in the sandbox (lock_file, dump_directory, the
 * spool), apart from cpsbackupd's store, what it reads stays readable (/home read-only, not hidden), the
 * capabilities it uses and no more, the syscall filter on all three, and
 * node.conf, not the units, sets a backup's priority.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultLockFile, nodeSchema, serverSchema, storageSchema } from '@cpsbackup/config';

const UNITS = path.join(__dirname, '..', 'systemd');
const AGENT_UNITS = ['cpsbackup-backup.service', 'cpsbackup-agent.service'];

/** A unit's [Service] settings: each key's values in order (systemd's own merge is checked by systemd-analyze below). */
function serviceSettings(unit: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of fs.readFileSync(path.join(UNITS, unit), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    if (section !== '[Service]') continue;
    const eq = line.indexOf('=');
    const k = line.slice(0, eq);
    settings.set(k, [...(settings.get(k) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}

function one(settings: Map<string, string[]>, k: string): string | undefined {
  return settings.get(k)?.at(-1);
}

/** The overall exposure systemd-analyze gives a unit file, read offline. */
function exposure(unit: string): number {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', path.join(UNITS, unit)], { encoding: 'utf8' });
  if (r.error) throw new Error(`systemd-analyze cannot run (${r.error.message}): install systemd (make test-deps)`);
  const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
  if (!m) throw new Error(`systemd-analyze security ${unit} said no exposure (exit ${r.status}): ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

describe('the systemd units', () => {
  test.each([...AGENT_UNITS, 'cpsbackupd.service'])('%s is scored under 4 by systemd-analyze security', (unit) => {
    expect(exposure(unit)).toBeLessThan(4);
  });

  test.each(AGENT_UNITS)('%s: what a backup writes by default is writable, the rest read-only, /home readable', (unit) => {
    const s = serviceSettings(unit);
    expect(one(s, 'ProtectSystem')).toBe('strict');
    expect(one(s, 'ProtectHome')).toBe('read-only');
    // Writable under ProtectSystem=strict: RuntimeDirectory= under /run, StateDirectory= under /var/lib, ReadWritePaths=.
    const writable = [
      ...(s.get('RuntimeDirectory') ?? []).flatMap((v) => v.split(/\s+/)).map((d) => path.join('/run', d)),
      ...(s.get('StateDirectory') ?? []).flatMap((v) => v.split(/\s+/)).map((d) => path.join('/var/lib', d)),
      ...(s.get('ReadWritePaths') ?? []).flatMap((v) => v.split(/\s+/)).map((d) => d.replace(/^-/, '')),
    ];
    const under = (p: string) => writable.some((w) => p === w || p.startsWith(`${w}/`));
    // The default lock, one per node.conf, of the packaged one.
    expect(under(path.dirname(defaultLockFile('/etc/cpsbackup/node.conf')))).toBe(true);
    expect(under(storageSchema.dump_directory.defaultValue)).toBe(true);
    // Nothing of the agent's in cpsbackupd's store (both may run on one machine: the server reads every entry there).
    const store = serverSchema.directory.defaultValue;
    expect(writable.filter((w) => w === store || w.startsWith(`${store}/`))).toEqual([]);
    // The lock outlives the unit: a manual -e may hold it when the unit stops.
    expect(one(s, 'RuntimeDirectoryPreserve')).toBe('yes');
    // spool_dir's default is the temporary directory: the unit's own, writable.
    expect(nodeSchema.spool_dir.defaultValue).toBe('');
    expect(os.tmpdir()).toBe('/tmp');
    expect(one(s, 'PrivateTmp')).toBe('yes');
  });

  test.each(AGENT_UNITS)('%s: root reading everything, with only the capabilities a backup uses', (unit) => {
    const s = serviceSettings(unit);
    expect(s.get('User')).toBeUndefined();
    expect(new Set(one(s, 'CapabilityBoundingSet')?.split(/\s+/))).toEqual(
      new Set(['CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL']),
    );
    expect(one(s, 'NoNewPrivileges')).toBe('yes');
    // pg_dump and mongodump reach their database on a unix socket; cpsbackupd over TCP.
    expect(new Set(one(s, 'RestrictAddressFamilies')?.split(/\s+/))).toEqual(new Set(['AF_INET', 'AF_INET6', 'AF_UNIX']));
    for (const k of ['PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectClock']) {
      expect(`${k}=${one(s, k)}`).toBe(`${k}=yes`);
    }
    for (const k of ['ProtectHostname', 'RestrictNamespaces', 'RestrictRealtime', 'RestrictSUIDSGID', 'LockPersonality', 'PrivateMounts']) {
      expect(`${k}=${one(s, k)}`).toBe(`${k}=yes`);
    }
  });

  test.each(AGENT_UNITS)("%s: a backup's priority is node.conf's (nice, ionice), not the unit's", (unit) => {
    const s = serviceSettings(unit);
    for (const k of ['Nice', 'IOSchedulingClass', 'IOSchedulingPriority', 'CPUSchedulingPolicy']) expect(`${k}: ${s.get(k)}`).toBe(`${k}: undefined`);
    expect(nodeSchema.nice.defaultValue).toBe(10);
  });

  test.each([...AGENT_UNITS, 'cpsbackupd.service'])('%s: the service syscall set, a call outside it failing with EPERM', (unit) => {
    const s = serviceSettings(unit);
    expect(one(s, 'SystemCallFilter')).toBe('@system-service');
    expect(one(s, 'SystemCallErrorNumber')).toBe('EPERM');
    expect(one(s, 'SystemCallArchitectures')).toBe('native');
  });
});
