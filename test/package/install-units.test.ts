/**
 * make install's units (scripts/install-units, which scripts/install runs):
 * each unit of systemd/ written with the install's PREFIX/bin and SYSCONFDIR,
 * so no unit runs a program or reads a configuration the install did not put
 * there (the units name the packages' /usr/bin and /etc/cpsbackup).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const UNITS = fs.readdirSync(path.join(REPO, 'systemd')).sort();

test('every unit runs the programs from BINDIR on the configuration in SYSCONFDIR', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'install-units-'));
  try {
    const bindir = '/opt/cps/bin';
    const sysconf = '/srv/etc/cps';
    const r = spawnSync('bash', [path.join(REPO, 'scripts/install-units'), dir, bindir, sysconf], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(UNITS.map((u) => `installed ${dir}/${u}`));
    expect(fs.readdirSync(dir).sort()).toEqual(UNITS);
    const execs: string[] = [];
    for (const unit of UNITS) {
      const text = fs.readFileSync(path.join(dir, unit), 'utf8');
      expect(text).not.toMatch(/\/etc\/cpsbackup|\/usr\/bin\/cpsbackup|\/opt\/cpsbackup\//);
      execs.push(...[...text.matchAll(/^ExecStart=(.*)$/gm)].map((m) => m[1]));
      for (const doc of text.matchAll(/^Documentation=file:\/\/(\S+)$/gm)) expect(fs.existsSync(doc[1])).toBe(true);
    }
    expect(execs.sort()).toEqual([
      `${bindir}/cpsbackup -c ${sysconf}/node.conf --daemon`,
      `${bindir}/cpsbackup -c ${sysconf}/node.conf -e`,
      `${bindir}/cpsbackupd -c ${sysconf}/server.conf`,
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown unit is refused, naming it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'install-units-'));
  try {
    const r = spawnSync('bash', [path.join(REPO, 'scripts/install-units'), dir, '/usr/local/bin', '/etc/cpsbackup', 'nope.service'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`install-units: no unit nope.service in ${REPO}/systemd\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
